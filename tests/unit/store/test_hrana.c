/* hrana: value encoding, base64, URL handling, result reading and token scrubbing, offline. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hrana.h"

static void test_base64(void)
{
    /* RFC 4648 test vectors, unpadded */
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *enc[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[16];
        size_t n = hrana_base64_encode((const unsigned char *)plain[i], strlen(plain[i]), out);
        CHECK_STR_EQ(out, enc[i]);
        CHECK(n == strlen(enc[i]));
        unsigned char back[16];
        long m = hrana_base64_decode(enc[i], strlen(enc[i]), back, sizeof back);
        CHECK(m == (long)strlen(plain[i]));
        CHECK(m >= 0 && memcmp(back, plain[i], (size_t)m) == 0);
    }
    unsigned char back[16];
    CHECK(hrana_base64_decode("Zm8=", 4, back, sizeof back) == 2); /* padded also read */
    CHECK(hrana_base64_decode("Zm9vYg==", 8, back, sizeof back) == 4);
    CHECK(hrana_base64_decode("Z", 1, back, sizeof back) == -1);      /* impossible length */
    CHECK(hrana_base64_decode("Zm9*", 4, back, sizeof back) == -1);   /* bad character */
    CHECK(hrana_base64_decode("Zm9vYmFy", 8, back, 5) == -1);         /* does not fit */
    /* every byte value survives a round trip at every tail length */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    char enc_all[400];
    for (size_t n = 250; n <= 256; n++) {
        hrana_base64_encode(all, n, enc_all);
        unsigned char dec[256];
        CHECK(hrana_base64_decode(enc_all, strlen(enc_all), dec, sizeof dec) == (long)n);
        CHECK(memcmp(dec, all, n) == 0);
    }
}

static void test_values(void)
{
    strbuf b = {0};
    strbuf_add(&b, "[", 1);
    hrana_arg_int(&b, 0, INT64_MIN);
    hrana_arg_float(&b, 1, 0.1);
    hrana_arg_float(&b, 1, 1.0 / 0.0); /* not representable in JSON → null */
    hrana_arg_text(&b, 1, "a\"b\\c\n\x01é");
    hrana_arg_text(&b, 1, NULL);
    unsigned char blob[4] = {0, 0, 0x80, 0x3f}; /* 1.0f little-endian */
    hrana_arg_blob(&b, 1, blob, 4);
    strbuf_add(&b, "]", 1);
    CHECK(!b.oom);
    CHECK_STR_EQ(b.s, "[{\"type\":\"integer\",\"value\":\"-9223372036854775808\"},"
                         "{\"type\":\"float\",\"value\":0.10000000000000001},"
                         "{\"type\":\"null\"},"
                         "{\"type\":\"text\",\"value\":\"a\\\"b\\\\c\\n\\u0001é\"},"
                         "{\"type\":\"null\"},"
                         "{\"type\":\"blob\",\"base64\":\"AACAPw\"}]");
    /* what we write, cJSON reads back to the same values */
    cJSON *arr = cJSON_Parse(b.s);
    CHECK(arr != NULL);
    int64_t i64 = 0;
    CHECK(hrana_value_int(cJSON_GetArrayItem(arr, 0), &i64) == 0 && i64 == INT64_MIN);
    double d = 0;
    CHECK(hrana_value_float(cJSON_GetArrayItem(arr, 1), &d) == 0 && d == 0.1);
    CHECK(hrana_value_float(cJSON_GetArrayItem(arr, 2), &d) == 1); /* null is not a float */
    CHECK_STR_EQ(hrana_value_text(cJSON_GetArrayItem(arr, 3)), "a\"b\\c\n\x01é");
    CHECK(hrana_value_text(cJSON_GetArrayItem(arr, 4)) == NULL);
    unsigned char out[8];
    CHECK(hrana_value_blob(cJSON_GetArrayItem(arr, 5), out, sizeof out) == 4);
    CHECK(memcmp(out, blob, 4) == 0);
    CHECK(hrana_value_blob(cJSON_GetArrayItem(arr, 3), out, sizeof out) == -1);
    CHECK(hrana_value_int(cJSON_GetArrayItem(arr, 3), &i64) == 1);
    cJSON_Delete(arr);
    /* malformed integers are refused, not misread */
    cJSON *bad = cJSON_Parse("[{\"type\":\"integer\",\"value\":\"12x\"},"
                             "{\"type\":\"integer\",\"value\":\"99999999999999999999\"}]");
    CHECK(hrana_value_int(cJSON_GetArrayItem(bad, 0), &i64) == 1);
    CHECK(hrana_value_int(cJSON_GetArrayItem(bad, 1), &i64) == 1);
    cJSON_Delete(bad);
    strbuf_free(&b);
}

static void test_urls(void)
{
    char err[SV_ERR_LEN];
    hrana_client *c = hrana_client_new("libsql://db-org.turso.io/", NULL, NULL, err);
    CHECK(c != NULL);
    if (c)
        CHECK_STR_EQ(hrana_client_url(c), "https://db-org.turso.io");
    hrana_client_free(c);
    c = hrana_client_new("https://db.example/?authToken=SECRET123&x=1", NULL, NULL, err);
    CHECK(c != NULL);
    if (c) {
        CHECK_STR_EQ(hrana_client_url(c), "https://db.example");
        char msg[SV_ERR_LEN] = "server said: bad token SECRET123!";
        hrana_scrub(c, msg); /* the query's token is the client's token now */
        CHECK_STR_EQ(msg, "server said: bad token ***!");
    }
    hrana_client_free(c);
    c = hrana_client_new("http://127.0.0.1:8080", "tok", NULL, err);
    CHECK(c != NULL);
    if (c) {
        CHECK_STR_EQ(hrana_client_url(c), "http://127.0.0.1:8080");
        CHECK(hrana_client_version(c) == 0);
        char msg[SV_ERR_LEN] = "tok tok";
        hrana_scrub(c, msg);
        CHECK_STR_EQ(msg, "*** ***");
    }
    hrana_client_free(c);
    CHECK(hrana_client_new("ftp://x", NULL, NULL, err) == NULL);
    CHECK(strstr(err, "ftp://x") != NULL);
    CHECK(hrana_client_new("https://", NULL, NULL, err) == NULL);
    CHECK(hrana_client_new("https://user:pw@host", NULL, NULL, err) == NULL);
    CHECK(strstr(err, "pw") == NULL); /* the refusal does not repeat the password */
}

static void test_results(void)
{
    hrana_call call = {0};
    call.response = cJSON_Parse(
        "{\"baton\":null,\"base_url\":null,\"results\":["
        "{\"type\":\"ok\",\"response\":{\"type\":\"execute\",\"result\":{\"cols\":[],\"rows\":[[{\"type\":\"integer\",\"value\":\"7\"}]]}}},"
        "{\"type\":\"error\",\"error\":{\"message\":\"no such table: x (token s3cr3t)\",\"code\":\"PREPARE_ERROR\"}},"
        "{\"type\":\"ok\",\"response\":{\"type\":\"batch\",\"result\":{\"step_results\":[{\"rows\":[]},{\"rows\":[]},null,{\"rows\":[]}],"
        "\"step_errors\":[null,null,{\"message\":\"UNIQUE constraint failed\",\"code\":\"BATCH_STEP_ERROR\"},null]}}},"
        "{\"type\":\"ok\",\"response\":{\"type\":\"batch\",\"result\":{\"step_results\":[{\"rows\":[]},{\"rows\":[]},{\"rows\":[]},null],"
        "\"step_errors\":[null,null,null,null]}}}]}");
    call.results = cJSON_GetObjectItem(call.response, "results");
    char err[SV_ERR_LEN];
    hrana_client *c = hrana_client_new("http://127.0.0.1:1", "s3cr3t", NULL, err);
    CHECK(hrana_execute_result(c, &call, 0, err) != NULL);
    CHECK(hrana_execute_result(c, &call, 1, err) == NULL);
    CHECK_STR_EQ(err, "PREPARE_ERROR: no such table: x (token ***)");
    CHECK(hrana_execute_result(c, &call, 9, err) == NULL);
    CHECK(hrana_batch_ok(c, &call, 2, 2, err) == 1);
    CHECK(strstr(err, "UNIQUE constraint failed") != NULL);
    CHECK(hrana_batch_ok(c, &call, 3, 2, err) == 0);
    CHECK(hrana_batch_ok(c, &call, 3, 3, err) == 1); /* COMMIT did not run */
    CHECK(hrana_batch_ok(c, &call, 0, 0, err) == 1); /* not a batch */
    hrana_call_clear(&call);
    hrana_call_clear(&call); /* twice is harmless */
    hrana_client_free(c);
    hrana_client_free(NULL);
    CHECK(hrana_error_is_transient("BLOCKED", "Operation was blocked"));
    CHECK(hrana_error_is_transient(NULL, "SQLite error: database is locked"));
    CHECK(!hrana_error_is_transient("PREPARE_ERROR", "no such table: x"));
}

int main(void)
{
    test_base64();
    test_values();
    test_urls();
    test_results();
    return check_summary();
}
