/* base64: RFC 4648's test vectors both ways, and every length round-trips. */
#include <string.h>

#include "base64.h"
#include "check.h"

int main(void)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        char out[16];
        base64_encode((const unsigned char *)plain[i], strlen(plain[i]), out);
        CHECK_STR_EQ(out, coded[i]);
        CHECK(strlen(out) == BASE64_ENCODED_LEN(strlen(plain[i])));
    }
    unsigned char bytes[256], back[256];
    char text[BASE64_ENCODED_LEN(256) + 1];
    for (int i = 0; i < 256; i++)
        bytes[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= sizeof bytes; len++) {
        base64_encode(bytes, len, text);
        long n = base64_decode(text, strlen(text), back);
        CHECK(n == (long)len && memcmp(back, bytes, len) == 0);
    }
    return check_summary();
}
