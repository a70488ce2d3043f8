/* test_playground.c -- the playground's files as the server serves them:
 * content types, caching, the page for its own routes, never for API paths,
 * nothing outside web_root, and no key needed for the page itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"
#include "t.h"
#include "test_server.h"

static struct test_server srv;

static int get(const char *path, const char *extra, struct http_response *r)
{
    return http_request(srv.port, "GET", path, extra, NULL, r) == 0 ? r->status : -1;
}

static void test_files(void)
{
    struct http_response r;
    char v[256];
    /* Browsers get the page at /; Ollama clients get their line. */
    T_EQ_INT(get("/", "Accept: text/html,application/xhtml+xml\r\n", &r), 200);
    T_CONTAINS(r.body.data, "<title>Test page</title>");
    T_EQ_STR(http_response_header(&r, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
    T_EQ_STR(http_response_header(&r, "Cache-Control", v, sizeof v), "no-cache");
    http_response_cleanup(&r);
    T_EQ_INT(get("/", NULL, &r), 200);
    T_EQ_STR(r.body.data, "Ollama is running");
    http_response_cleanup(&r);

    T_EQ_INT(get("/assets/app-1234.js", NULL, &r), 200);
    T_EQ_STR(r.body.data, "console.log(1);\n");
    T_EQ_STR(http_response_header(&r, "Content-Type", v, sizeof v),
             "text/javascript; charset=utf-8");
    T_CONTAINS(http_response_header(&r, "Cache-Control", v, sizeof v), "immutable");
    http_response_cleanup(&r);

    /* The page's own routes get the page; a missing asset does not. */
    T_EQ_INT(get("/models/explore", "Accept: text/html\r\n", &r), 405); /* the HF API's path */
    http_response_cleanup(&r);
    T_EQ_INT(get("/runs/42", "Accept: text/html\r\n", &r), 200);
    T_CONTAINS(r.body.data, "<title>Test page</title>");
    http_response_cleanup(&r);
    T_EQ_INT(get("/runs/42", NULL, &r), 404); /* an API client's wrong URL: JSON, not a page */
    T_CONTAINS(r.body.data, "\"not_found");
    http_response_cleanup(&r);
    T_EQ_INT(get("/assets/missing.js", NULL, &r), 404);
    http_response_cleanup(&r);
}

static void test_never_for_api_or_outside(void)
{
    struct http_response r;
    char v[64];
    T_EQ_INT(get("/v1/chat/completions", NULL, &r), 405);
    T_EQ_STR(http_response_header(&r, "Allow", v, sizeof v), "POST");
    http_response_cleanup(&r);
    T_EQ_INT(get("/api/nothing-here", NULL, &r), 404);
    T_CONTAINS(r.body.data, "\"error\"");
    http_response_cleanup(&r);
    T_EQ_INT(get("/v1/nothing", NULL, &r), 404);
    http_response_cleanup(&r);
    /* A symlink out of web_root, and traversal in all its spellings. */
    T_EQ_INT(get("/escape.txt", NULL, &r), 404);
    http_response_cleanup(&r);
    T_EQ_INT(get("/%2e%2e/secret.txt", NULL, &r), 400);
    http_response_cleanup(&r);
    T_EQ_INT(get("/assets/..%2f..%2fsecret.txt", NULL, &r), 400);
    http_response_cleanup(&r);
    T_EQ_INT(get("/.hidden", NULL, &r), 404);
    http_response_cleanup(&r);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/web/assets' && printf '<title>Test page</title>' > '%s/web/index.html'"
             " && printf 'console.log(1);\\n' > '%s/web/assets/app-1234.js'"
             " && printf 'secret' > '%s/secret.txt' && printf 'x' > '%s/web/.hidden'"
             " && ln -s '%s/secret.txt' '%s/web/escape.txt'",
             srv.tmp, srv.tmp, srv.tmp, srv.tmp, srv.tmp, srv.tmp, srv.tmp);
    if (system(cmd) != 0) {
        printf("Bail out! cannot make the test web root\n");
        return 1;
    }
    char web[1024];
    snprintf(web, sizeof web, "%s/web", srv.tmp);
    const char *args[] = {"--web-root", web, NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_files);
    T_RUN(test_never_for_api_or_outside);
    T_EQ_INT(test_server_stop(&srv), 0);

    /* With API keys: the page loads without one, the API does not answer. */
    setenv("SWITCHYARD_API_KEY", "sk-test-playground", 1);
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start with a key\n");
        return 1;
    }
    struct http_response r;
    T_EQ_INT(get("/", "Accept: text/html\r\n", &r), 200);
    http_response_cleanup(&r);
    T_EQ_INT(get("/assets/app-1234.js", NULL, &r), 200);
    http_response_cleanup(&r);
    T_EQ_INT(get("/api/models", NULL, &r), 401);
    http_response_cleanup(&r);
    T_EQ_INT(get("/api/no-such-route", NULL, &r), 401); /* unknown API paths tell no more */
    http_response_cleanup(&r);
    T_EQ_INT(test_server_stop(&srv), 0);
    unsetenv("SWITCHYARD_API_KEY");
    test_env_cleanup(&srv);
    return t_done();
}
