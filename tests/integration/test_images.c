/* test_images.c -- image generation relayed to an OpenAI-compatible upstream
 * (tests/support/image_server.c, which draws real PNGs with libpng and
 * records what it was sent): /v1/images/generations, the task API and the
 * Hugging Face route answer the upstream's pictures; the size, n and
 * diffusion settings reach it; sizes the model is configured not to make are
 * refused before any request; an upstream that answers with a URL is not
 * followed (a canary listener sees no connection); its errors keep their
 * meaning; image and chat models refuse each other's tasks. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "expect_error.h"
#include "http_client.h"
#include "image_server.h"
#include "picture_check.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"
#include "util/buf.h"

static struct test_server srv;
static struct image_server *art;

static json_t *draw(const char *model, const char *prompt)
{
    return json_pack("{s:s, s:s}", "model", model, "prompt", prompt);
}

static void expect_error(const char *path, json_t *body, int status, const char *param,
                         const char *words)
{
    expect_post_error(srv.port, path, body, status, param, words);
}

static void test_listing(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models?type=image", NULL, &resp), 200);
    json_t *data = json_object_get(resp, "data");
    size_t i;
    json_t *m;
    int found = 0;
    json_array_foreach(data, i, m) {
        const char *id = jstr(json_object_get(m, "id"));
        found += strcmp(id, "art:painter") == 0 || strcmp(id, "art:sketch") == 0;
        T_ASSERT(strcmp(id, "art:chat-model") != 0);
    }
    T_EQ_INT(found, 2);
    json_decref(resp);
}

static void test_openai_images(void)
{
    json_t *b = draw("art:painter", "a lighthouse at dusk");
    json_object_set_new(b, "n", json_integer(2));
    json_object_set_new(b, "size", json_string("96x48"));
    json_object_set_new(b, "seed", json_integer(7));
    json_object_set_new(b, "negative_prompt", json_string("blur"));
    json_object_set_new(b, "num_inference_steps", json_integer(20));
    json_object_set_new(b, "quality", json_string("hd"));
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/images/generations", b, &resp), 200);
    T_ASSERT(json_integer_value(json_object_get(resp, "created")) > 0);
    json_t *data = json_object_get(resp, "data");
    T_EQ_INT(json_array_size(data), 2);
    for (size_t i = 0; i < json_array_size(data); i++)
        expect_png_b64(json_object_get(json_array_get(data, i), "b64_json"), 96, 48);
    json_decref(resp);

    /* What the upstream was sent. */
    json_t *sent = image_server_last(art);
    T_EQ_STR(jstr(json_object_get(sent, "model")), "painter");
    T_EQ_STR(jstr(json_object_get(sent, "prompt")), "a lighthouse at dusk");
    T_EQ_INT(json_integer_value(json_object_get(sent, "n")), 2);
    T_EQ_STR(jstr(json_object_get(sent, "size")), "96x48");
    T_EQ_STR(jstr(json_object_get(sent, "response_format")), "b64_json");
    T_EQ_INT(json_integer_value(json_object_get(sent, "seed")), 7);
    T_EQ_STR(jstr(json_object_get(sent, "negative_prompt")), "blur");
    T_EQ_INT(json_integer_value(json_object_get(sent, "num_inference_steps")), 20);
    T_EQ_STR(jstr(json_object_get(sent, "quality")), "hd");
    json_decref(sent);

    /* A model configured without sizes takes any. */
    b = draw("art:sketch", "a cat");
    json_object_set_new(b, "size", json_string("40x30"));
    T_EQ_INT(http_post_json(srv.port, "/v1/images/generations", b, &resp), 200);
    expect_png_b64(json_object_get(json_array_get(json_object_get(resp, "data"), 0), "b64_json"),
                   40, 30);
    json_decref(resp);
}

static void test_refusals(void)
{
    unsigned before = image_server_requests(art);
    json_t *b = draw("art:painter", "x");
    json_object_set_new(b, "size", json_string("128x128"));
    expect_error("/v1/images/generations", b, 422, "size", "64x64, 96x48");
    b = draw("art:painter", "x");
    json_object_set_new(b, "size", json_string("big"));
    expect_error("/v1/images/generations", b, 400, "size", "WxH");
    b = draw("art:painter", "x");
    json_object_set_new(b, "response_format", json_string("url"));
    expect_error("/v1/images/generations", b, 422, "response_format", "b64_json");
    b = draw("art:painter", "x");
    json_object_set_new(b, "n", json_integer(11));
    expect_error("/v1/images/generations", b, 400, "n", "1 to 10");
    expect_error("/v1/images/generations", json_pack("{s:s}", "model", "art:painter"), 400,
                 "prompt", "what to draw");
    expect_error("/v1/images/generations", draw("art:chat-model", "x"), 422, "task",
                 "text-to-image");
    expect_error("/v1/chat/completions",
                 json_pack("{s:s, s:[{s:s, s:s}]}", "model", "art:painter", "messages", "role",
                           "user", "content", "Hi"),
                 422, "task", "text-generation");
    T_EQ_INT(image_server_requests(art), before); /* none of these reached it */

    /* The upstream's refusal keeps its class and words. */
    expect_error("/v1/images/generations", draw("art:painter", "please refuse this"), 400, NULL,
                 "provider 'art' answered 400");
}

static void test_url_is_not_followed(void)
{
    /* A canary the upstream's answer points at: nothing may connect to it. */
    int canary = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    T_REQUIRE(canary >= 0 && bind(canary, (struct sockaddr *)&addr, sizeof addr) == 0 &&
              listen(canary, 8) == 0 &&
              getsockname(canary, (struct sockaddr *)&addr, &len) == 0);
    char prompt[64];
    snprintf(prompt, sizeof prompt, "as-url:%d", ntohs(addr.sin_port));
    expect_error("/v1/images/generations", draw("art:painter", prompt), 502, NULL,
                 "as a URL");
    T_ASSERT(accept(canary, NULL, NULL) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
    close(canary);
}

static void test_task_and_hf(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}, s:{s:i, s:i, s:i}}", "model_id",
                                      "art:painter", "inputs", "text", "a boat", "settings",
                                      "width", 64, "height", 64, "seed", 3),
                            &resp),
             200);
    const json_t *images = task_images(resp);
    T_EQ_INT(json_array_size(images), 1);
    T_EQ_STR(jstr(json_object_get(json_array_get(images, 0), "content_type")), "image/png");
    expect_png_b64(json_object_get(json_array_get(images, 0), "b64"), 64, 64);
    char path[128];
    snprintf(path, sizeof path, "/api/runs/%s", jstr(json_object_get(resp, "id")));
    json_decref(resp);
    T_EQ_INT(test_run_status_eventually(&srv, path + strlen("/api/runs/")), 200);
    json_t *run = NULL;
    T_EQ_INT(http_json(srv.port, "GET", path, NULL, &run), 200);
    T_EQ_STR(jstr(json_object_get(run, "output")), "1 picture");
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(run, "settings"), "width")), 64);
    json_decref(run);
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s}, s:{s:i, s:i}}", "model_id", "art:painter",
                                      "inputs", "text", "a boat", "settings", "width", 32,
                                      "height", 32),
                            &resp),
             422);
    T_EQ_STR(jstr(json_object_get(json_object_get(resp, "error"), "param")), "settings.width");
    json_decref(resp);

    /* Hugging Face: the picture's bytes. */
    expect_hf_picture(srv.port, "art:painter", "a boat", 96, 48);
}

/* A reference picture for image-to-image: a w x h PNG, base64. */
static char *reference_png(unsigned w, unsigned h)
{
    struct sy_buf png, b64;
    buf_init(&png, 1u << 20);
    buf_init(&b64, 2u << 20);
    char *out = NULL;
    if (png_make(w, h, 3, &png) == 0 && base64_encode(png.data, png.len, &b64, NULL) == SY_OK)
        out = strdup(b64.data);
    buf_cleanup(&png);
    buf_cleanup(&b64);
    return out;
}

static json_t *edit_body(const char *model, json_t *files)
{
    return json_pack("{s:s, s:{s:s, s:o}}", "model_id", model, "inputs", "text",
                     "make it blue", "files", files);
}

/* Reference images (`files`) go to the upstream's /images/edits as a form,
 * where the model is configured to take them, up to its limit; the
 * upstream here draws at the first reference's size, so the answer shows
 * the bytes arrived whole. */
static void test_image_to_image(void)
{
    char *a = reference_png(40, 30), *b = reference_png(20, 20);
    T_REQUIRE(a && b);
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/art:editor", NULL, &resp), 200);
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(resp, "capabilities"),
                                                "reference_images")),
             2);
    json_decref(resp);

    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            edit_body("art:editor",
                                      json_pack("[{s:s, s:s, s:s}]", "type", "file", "mediaType",
                                                "image/png", "data", a)),
                            &resp),
             200);
    const json_t *images = task_images(resp);
    T_EQ_INT(json_array_size(images), 1);
    expect_png_b64(json_object_get(json_array_get(images, 0), "b64"), 40, 30);
    char *run_id = jstr_dup(json_object_get(resp, "id"));
    json_decref(resp);
    char path[64], auth[64];
    image_server_last_request(art, path, sizeof path, auth, sizeof auth);
    T_EQ_STR(path, "/v1/images/edits");
    json_t *sent = image_server_last(art);
    json_t *files = json_object_get(sent, "files");
    T_EQ_INT(json_array_size(files), 1);
    T_EQ_STR(jstr(json_object_get(json_array_get(files, 0), "name")), "image");
    T_ASSERT(json_is_true(json_object_get(json_array_get(files, 0), "png")));
    json_t *fields = json_object_get(sent, "fields");
    T_EQ_STR(jstr(json_object_get(fields, "prompt")), "make it blue");
    T_EQ_STR(jstr(json_object_get(fields, "model")), "editor");
    T_EQ_STR(jstr(json_object_get(fields, "response_format")), "b64_json");
    json_decref(sent);

    /* The history says it started from a picture (the picture is not kept). */
    char run_path[160];
    snprintf(run_path, sizeof run_path, "/api/runs/%s", run_id ? run_id : "?");
    free(run_id);
    T_EQ_INT(test_run_status_eventually(&srv, run_path + strlen("/api/runs/")), 200);
    json_t *run = NULL;
    T_EQ_INT(http_json(srv.port, "GET", run_path, NULL, &run), 200);
    T_EQ_INT(json_integer_value(json_object_get(json_object_get(run, "settings"),
                                                "reference_images")),
             1);
    json_decref(run);

    /* Two, as a data: URL and as bare base64: both reach it as image[]. */
    char *url = malloc(strlen(b) + 32);
    T_REQUIRE(url);
    sprintf(url, "data:image/png;base64,%s", b);
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            edit_body("art:editor", json_pack("[s, s]", url, a)), &resp),
             200);
    images = task_images(resp);
    expect_png_b64(json_object_get(json_array_get(images, 0), "b64"), 20, 20);
    json_decref(resp);
    sent = image_server_last(art);
    T_EQ_INT(json_array_size(json_object_get(sent, "files")), 2);
    T_EQ_STR(jstr(json_object_get(json_array_get(json_object_get(sent, "files"), 1), "name")),
             "image[]");
    json_decref(sent);

    /* The limits are the model's, said before anything is sent. */
    unsigned before = image_server_requests(art);
    expect_error("/api/inference", edit_body("art:editor", json_pack("[s, s, s]", a, a, a)), 422,
                 "inputs.files", "at most 2 reference images");
    expect_error("/api/inference", edit_body("art:painter", json_pack("[s]", a)), 422,
                 "inputs.files", "draws from text only");
    expect_error("/api/inference",
                 edit_body("art:editor", json_pack("[s]", "bm90IGEgcGljdHVyZQ==")), 400,
                 "inputs.files[0]", "not a PNG, JPEG or WebP");
    expect_error("/api/inference",
                 edit_body("art:editor", json_pack("[{s:s, s:s}]", "mediaType", "image/jpeg",
                                                   "data", a)),
                 400, "inputs.files[0]", "says it is image/jpeg, but it is image/png");
    T_EQ_INT(image_server_requests(art), before);
    free(url);
    free(a);
    free(b);
}

/* OpenAI's /v1/images/edits: the same, as the OpenAI SDK's images.edit()
 * sends it (a form with the pictures as files). */
static void test_openai_edits(void)
{
    struct sy_buf png, txt;
    buf_init(&png, 1u << 20);
    buf_init(&txt, 64);
    T_REQUIRE(png_make(40, 30, 3, &png) == 0);
    buf_append_str(&txt, "not a picture", NULL);
    const char *fields[] = {"model", "art:editor", "prompt", "make it blue", "n", "1", NULL};
    struct http_form_file one = {"image", "cat.png", "image/png", &png};
    struct http_response r;
    T_EQ_INT(http_post_form(srv.port, "/v1/images/edits", fields, &one, 1, &r), 200);
    json_t *body = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
    expect_png_b64(json_object_get(json_array_get(json_object_get(body, "data"), 0), "b64_json"),
                   40, 30);
    json_decref(body);
    http_response_cleanup(&r);
    json_t *sent = image_server_last(art);
    T_EQ_INT(json_array_size(json_object_get(sent, "files")), 1);
    T_EQ_STR(jstr(json_object_get(json_object_get(sent, "fields"), "n")), "1");
    json_decref(sent);

    struct {
        struct http_form_file files[3];
        size_t n;
        const char *extra, *param;
        int status;
    } bad[] = {
        {{{"image[]", "a.png", "image/png", &png}, {"image[]", "b.png", "image/png", &png},
          {"image[]", "c.png", "image/png", &png}}, 3, NULL, "image", 422},
        {{{"image", "a.txt", "text/plain", &txt}}, 1, NULL, "image[0]", 400},
        {{{"image", "a.png", "image/jpeg", &png}}, 1, NULL, "image[0]", 400},
        {{{"mask", "m.png", "image/png", &png}, {"image", "a.png", "image/png", &png}}, 2, NULL,
         "mask", 422},
        {{{0}}, 0, NULL, "image", 400},
    };
    unsigned before = image_server_requests(art);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        T_EQ_INT(http_post_form(srv.port, "/v1/images/edits", fields, bad[i].files, bad[i].n, &r),
                 bad[i].status);
        body = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
        const char *param = jstr(json_object_get(json_object_get(body, "error"), "param"));
        T_ASSERT(param && strncmp(param, bad[i].param, strlen(bad[i].param)) == 0);
        json_decref(body);
        http_response_cleanup(&r);
    }
    T_EQ_INT(image_server_requests(art), before);
    buf_cleanup(&png);
    buf_cleanup(&txt);
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    art = image_server_start();
    if (!art) {
        printf("Bail out! the image upstream did not start\n");
        return 1;
    }
    char providers[512];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"art\",\"kind\":\"openai\",\"base_url\":\"http://127.0.0.1:%d/v1\","
             "\"images\":{\"painter\":{\"sizes\":[\"64x64\",\"96x48\"]},\"sketch\":{},"
             "\"editor\":{\"files\":2}}}]",
             image_server_port(art));
    const char *args[] = {"--providers", providers, NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_listing);
    T_RUN(test_openai_images);
    T_RUN(test_refusals);
    T_RUN(test_url_is_not_followed);
    T_RUN(test_task_and_hf);
    T_RUN(test_image_to_image);
    T_RUN(test_openai_edits);
    T_EQ_INT(test_server_stop(&srv), 0);
    image_server_stop(art);
    test_env_cleanup(&srv);
    return t_done();
}
