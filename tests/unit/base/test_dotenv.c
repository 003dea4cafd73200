/* dotenv: the .env forms a backend keeps (quotes, comments, export), the environment first. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "dotenv.h"

int main(void)
{
    char dir[] = "/tmp/sv_dotenv_XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return 1;
    FILE *f = fopen(".env", "w");
    fputs("# keys\n"
          "SV_T_PLAIN=plain123\n"
          "export SV_T_EXPORTED=exp456\n"
          "SV_T_DQ=\"GOODKEY123\" # comment\n"
          "SV_T_SQ='single value'\n"
          "SV_T_TRAIL=abc # note\n"
          "SV_T_CRLF=crlf789\r\n"
          "SV_T_ENV=from-file\n",
          f);
    fclose(f);
    setenv("SV_T_ENV", "from-env", 1);
    CHECK_STR_EQ(dotenv_get("SV_T_PLAIN"), "plain123");
    CHECK_STR_EQ(dotenv_get("SV_T_EXPORTED"), "exp456");
    CHECK_STR_EQ(dotenv_get("SV_T_DQ"), "GOODKEY123");
    CHECK_STR_EQ(dotenv_get("SV_T_SQ"), "single value");
    CHECK_STR_EQ(dotenv_get("SV_T_TRAIL"), "abc");
    CHECK_STR_EQ(dotenv_get("SV_T_CRLF"), "crlf789");
    CHECK_STR_EQ(dotenv_get("SV_T_ENV"), "from-env");
    CHECK(dotenv_get("SV_T_MISSING") == NULL);
    unlink(".env");
    if (chdir("/") != 0 || rmdir(dir) != 0)
        return 1;
    return check_summary();
}
