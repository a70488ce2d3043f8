/* test_hf_provider.c -- a provider of kind "hf" (Hugging Face Inference
 * Providers) against a loopback router (tests/support/image_server.c: its
 * OpenAI-compatible /v1/models and hf-inference's task endpoints) and a
 * loopback Hub whose inferenceProviderMapping says what each model does
 * remotely. A Hub model mapped to hf-inference for text-to-image draws real
 * PNGs through every surface, its settings and provider_overrides reaching the
 * upstream as hf-inference's parameters; a sentence-similarity model makes
 * embeddings; models served only by other providers, or by none, are refused
 * naming where they do run; upstream errors and bytes that are no picture are
 * errors, never empty results; the key goes to the router and nowhere else. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "expect_error.h"
#include "http_client.h"
#include "hub_server.h"
#include "image_server.h"
#include "picture_check.h"
#include "t.h"
#include "test_server.h"
#include "util/base64.h"
#include "util/buf.h"

#define KEY "hf_router_key_for_tests"

static struct test_server srv;
static struct image_server *router;
static struct hub_server *hub;

static void expect_error(const char *path, json_t *body, int status, const char *param,
                         const char *words)
{
    expect_post_error(srv.port, path, body, status, param, words);
}

static void expect_last_request(const char *path)
{
    char got[256], auth[256];
    image_server_last_request(router, got, sizeof got, auth, sizeof auth);
    T_EQ_STR(got, path);
    T_EQ_STR(auth, "Bearer " KEY);
}

static void test_listed(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models", NULL, &resp), 200);
    bool chat = false, image = false;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(resp, "data"), i, m) {
        const char *id = jstr(json_object_get(m, "id"));
        if (strcmp(id, "hf:chat-model") == 0) {
            chat = true;
            T_EQ_STR(jstr(json_object_get(m, "backend")), "hf-router");
        }
        if (strcmp(id, "hf:acme/small") == 0) {
            image = true;
            T_EQ_STR(jstr(json_object_get(m, "backend")), "hf-inference");
        }
    }
    T_ASSERT(chat && image);
    json_decref(resp);

    /* The router's provider suffixes name a listed model. */
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/hf:chat-model:fastest", NULL, &resp), 200);
    T_CONTAINS(jstr(json_object_get(resp, "description")), "the router's choice 'fastest'");
    json_decref(resp);

    /* A Hub model is described from its mapping, without being listed. */
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/hf:acme/painter", NULL, &resp), 200);
    char *tasks = json_dumps(json_object_get(json_object_get(resp, "capabilities"), "tasks"),
                             JSON_COMPACT);
    T_EQ_STR(tasks, "[\"text-to-image\"]");
    free(tasks);
    T_EQ_STR(jstr(json_object_get(resp, "status")), "remote");
    json_decref(resp);
}

static void test_openai_images(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/images/generations",
                            json_pack("{s:s, s:s, s:s, s:i}", "model", "hf:acme/painter",
                                      "prompt", "a red fox", "size", "96x48", "seed", 7),
                            &resp),
             200);
    json_t *data = json_object_get(resp, "data");
    T_EQ_INT(json_array_size(data), 1);
    expect_png_b64(json_object_get(json_array_get(data, 0), "b64_json"), 96, 48);
    json_decref(resp);

    /* hf-inference's shape: the prompt as inputs, the rest as parameters. */
    expect_last_request("/hf-inference/models/acme/painter");
    json_t *sent = image_server_last(router);
    T_EQ_STR(jstr(json_object_get(sent, "inputs")), "a red fox");
    json_t *params = json_object_get(sent, "parameters");
    T_EQ_INT(json_integer_value(json_object_get(params, "width")), 96);
    T_EQ_INT(json_integer_value(json_object_get(params, "height")), 48);
    T_EQ_INT(json_integer_value(json_object_get(params, "seed")), 7);
    T_ASSERT(!json_object_get(sent, "model")); /* the model is in the path */
    json_decref(sent);

    /* hf-inference makes one picture per request. */
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s, s:i}", "model", "hf:acme/painter", "prompt", "two foxes",
                           "n", 2),
                 422, "n", "one picture per request");
    /* A configured model keeps to its sizes. */
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s, s:s}", "model", "hf:acme/small", "prompt", "a fox",
                           "size", "96x48"),
                 422, "size", "64x64 only");
}

static void test_task_and_hf_surfaces(void)
{
    /* The alias names a Hub model; settings and overrides become parameters. */
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:s, s:{s:s}, s:{s:i, s:f}, s:{s:{s:i}}}",
                                      "model_id", "hf:paint", "task", "text-to-image", "inputs",
                                      "text", "a boat", "settings", "num_inference_steps", 4,
                                      "guidance_scale", 2.5, "provider_overrides", "parameters",
                                      "true_cfg_scale", 4),
                            &resp),
             200);
    const json_t *images = task_images(resp);
    T_EQ_INT(json_array_size(images), 1);
    T_EQ_STR(jstr(json_object_get(json_array_get(images, 0), "content_type")), "image/png");
    json_decref(resp);
    json_t *sent = image_server_last(router);
    json_t *params = json_object_get(sent, "parameters");
    T_EQ_INT(json_integer_value(json_object_get(params, "num_inference_steps")), 4);
    T_ASSERT(json_real_value(json_object_get(params, "guidance_scale")) == 2.5);
    T_EQ_INT(json_integer_value(json_object_get(params, "true_cfg_scale")), 4);
    json_decref(sent);

    /* Hugging Face's own shape, relayed to Hugging Face: the picture's bytes. */
    expect_hf_picture(srv.port, "hf:acme/painter", "a boat", 80, 40);
}

/* An image-to-image model draws from one picture, sent as hf-inference's
 * input with the prompt as a parameter; it needs one. */
static void test_image_to_image(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_json(srv.port, "GET", "/v1/models/hf:acme/restyler", NULL, &resp), 200);
    json_t *caps = json_object_get(resp, "capabilities");
    T_EQ_INT(json_integer_value(json_object_get(caps, "reference_images")), 1);
    T_ASSERT(json_is_true(json_object_get(caps, "needs_reference_image")));
    json_decref(resp);

    struct sy_buf png, b64;
    buf_init(&png, 1u << 20);
    buf_init(&b64, 2u << 20);
    T_REQUIRE(png_make(40, 30, 5, &png) == 0 &&
              base64_encode(png.data, png.len, &b64, NULL) == SY_OK);
    T_EQ_INT(http_post_json(srv.port, "/api/inference",
                            json_pack("{s:s, s:{s:s, s:[s]}}", "model_id", "hf:acme/restyler",
                                      "inputs", "text", "in watercolour", "files", b64.data),
                            &resp),
             200);
    const json_t *images = task_images(resp);
    expect_png_b64(json_object_get(json_array_get(images, 0), "b64"), 40, 30);
    json_decref(resp);
    expect_last_request("/hf-inference/models/acme/restyler");
    json_t *sent = image_server_last(router);
    T_EQ_STR(jstr(json_object_get(sent, "inputs")), b64.data);
    T_EQ_STR(jstr(json_object_get(json_object_get(sent, "parameters"), "prompt")),
             "in watercolour");
    json_decref(sent);

    expect_error("/api/inference",
                 json_pack("{s:s, s:{s:s}}", "model_id", "hf:acme/restyler", "inputs", "text",
                           "in watercolour"),
                 422, "inputs.files", "draws from a picture");
    expect_error("/api/inference",
                 json_pack("{s:s, s:{s:s, s:[s, s]}}", "model_id", "hf:acme/restyler", "inputs",
                           "text", "in watercolour", "files", b64.data, b64.data),
                 422, "inputs.files", "at most 1 reference image");
    /* A text-to-image model takes none. */
    expect_error("/api/inference",
                 json_pack("{s:s, s:{s:s, s:[s]}}", "model_id", "hf:acme/painter", "inputs",
                           "text", "a fox", "files", b64.data),
                 422, "inputs.files", "draws from text only");

    /* The Hugging Face route, as its clients send image-to-image: the picture
     * as the body, or its base64 as inputs with the prompt in parameters. */
    struct http_response r;
    T_EQ_INT(http_request(srv.port, "POST", "/models/hf:acme/restyler",
                          "Content-Type: image/png\r\n", NULL, &r), 0);
    T_EQ_INT(r.status, 400); /* an empty body is no picture */
    http_response_cleanup(&r);
    struct http_conn conn;
    T_REQUIRE(http_conn_open(&conn, srv.port) == 0);
    T_REQUIRE(http_conn_send(&conn, "POST", "/models/hf:acme/restyler",
                             "Content-Type: image/png\r\n", png.data, png.len) == 0);
    T_REQUIRE(http_conn_read_head(&conn, &r) == 0 && http_conn_read_body(&conn, &r) == 0);
    T_EQ_INT(r.status, 200);
    unsigned w = 0, h = 0;
    T_REQUIRE(png_size(r.body.data, r.body.len, &w, &h) == 0);
    T_EQ_INT(w, 40);
    T_EQ_INT(h, 30);
    http_response_cleanup(&r);
    http_conn_close(&conn);
    sent = image_server_last(router);
    T_EQ_STR(jstr(json_object_get(sent, "inputs")), b64.data);
    json_decref(sent);
    json_t *body = json_pack("{s:s, s:{s:s, s:i, s:i}}", "inputs", b64.data, "parameters",
                             "prompt", "as a mosaic", "width", 32, "height", 24);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    T_EQ_INT(http_request(srv.port, "POST", "/models/hf:acme/restyler",
                          "Content-Type: application/json\r\n", text, &r), 0);
    free(text);
    T_EQ_INT(r.status, 200);
    T_REQUIRE(png_size(r.body.data, r.body.len, &w, &h) == 0);
    T_EQ_INT(w, 32);
    http_response_cleanup(&r);
    sent = image_server_last(router);
    T_EQ_STR(jstr(json_object_get(json_object_get(sent, "parameters"), "prompt")), "as a mosaic");
    json_decref(sent);
    /* A JPEG that says it is a PNG, and a prompt given to a text-to-image model. */
    T_EQ_INT(http_request(srv.port, "POST", "/models/hf:acme/restyler",
                          "Content-Type: image/png\r\n", "\xff\xd8\xff\xe0 not really", &r), 0);
    T_EQ_INT(r.status, 400);
    T_CONTAINS(r.body.data, "image/jpeg");
    http_response_cleanup(&r);
    expect_error("/models/hf:acme/painter",
                 json_pack("{s:s, s:{s:s}}", "inputs", "a fox", "parameters", "prompt", "x"),
                 400, "parameters.prompt", "image-to-image");
    buf_cleanup(&png);
    buf_cleanup(&b64);
}

static void test_embeddings(void)
{
    json_t *resp = NULL;
    T_EQ_INT(http_post_json(srv.port, "/v1/embeddings",
                            json_pack("{s:s, s:[s, s, s]}", "model", "hf:acme/embedder", "input",
                                      "a bad cab", "a bad cab", "hhh"),
                            &resp),
             200);
    json_t *data = json_object_get(resp, "data");
    T_EQ_INT(json_array_size(data), 3);
    json_t *first = json_object_get(json_array_get(data, 0), "embedding");
    json_t *same = json_object_get(json_array_get(data, 1), "embedding");
    json_t *other = json_object_get(json_array_get(data, 2), "embedding");
    T_EQ_INT(json_array_size(first), 8);
    T_ASSERT(json_equal(first, same));
    T_ASSERT(!json_equal(first, other));
    /* "hhh" has only h: every other component is zero. */
    T_ASSERT(json_real_value(json_array_get(other, 0)) == 0);
    T_ASSERT(json_real_value(json_array_get(other, 7)) > 0);
    json_decref(resp);
    expect_last_request("/hf-inference/models/acme/embedder/pipeline/feature-extraction");
    json_t *sent = image_server_last(router);
    T_EQ_INT(json_array_size(json_object_get(sent, "inputs")), 3);
    json_decref(sent);

    expect_error("/v1/embeddings",
                 json_pack("{s:s, s:s, s:i}", "model", "hf:acme/embedder", "input", "abc",
                           "dimensions", 4),
                 422, "dimensions", "remove 'dimensions'");
}

static void test_refusals(void)
{
    unsigned before = image_server_requests(router);
    /* Served elsewhere only: the refusal says where. */
    expect_error("/api/inference",
                 json_pack("{s:s, s:s, s:{s:s}}", "model_id", "hf:acme/filmmaker", "task",
                           "text-to-video", "inputs", "text", "a river"),
                 422, "model", "fal-ai (text-to-video)");
    /* Mapped only in staging: nobody serves it yet. */
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s}", "model", "hf:acme/staged", "prompt", "a fox"), 422,
                 "model", "no Inference Provider serves it");
    /* Not on the Hub at all. */
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s}", "model", "hf:acme/nowhere", "prompt", "a fox"), 404,
                 "model", "the Hub does not know it");
    /* An image model does not chat. */
    expect_error("/v1/chat/completions",
                 json_pack("{s:s, s:[{s:s, s:s}]}", "model", "hf:acme/painter", "messages",
                           "role", "user", "content", "hi"),
                 422, "task", "text-to-image");
    T_EQ_INT(image_server_requests(router), before); /* none of them reached the router */

    /* The router's errors keep their class and message; bytes that are no
     * picture are an error, not an empty result. */
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s}", "model", "hf:acme/painter", "prompt", "refuse this"),
                 400, NULL, "refused by the test upstream");
    expect_error("/v1/images/generations",
                 json_pack("{s:s, s:s}", "model", "hf:acme/painter", "prompt", "garble it"), 502,
                 NULL, "not a PNG, JPEG or WebP picture");
}

/* The key goes to the router only: the Hub was asked without it (this
 * server has no Hub token), and it is never logged. */
static void test_key_stays_with_the_router(void)
{
    char auth[256];
    hub_server_last_authorization(hub, auth, sizeof auth);
    T_EQ_STR(auth, "");
    T_ASSERT(hub_server_api_requests(hub) > 0);
    T_ASSERT(!test_server_log_contains(&srv, KEY));
}

int main(void)
{
    if (test_env_init(&srv) != 0)
        return 1;
    char root[1024], cache[1024];
    snprintf(root, sizeof root, "%s/hub", srv.tmp);
    snprintf(cache, sizeof cache, "%s/hub-cache", srv.tmp);
    mkdir(root, 0755);
    int bad = hub_server_add_repo(root, "acme/painter",
                       "{\"pipeline_tag\": \"text-to-image\", \"inferenceProviderMapping\": ["
                       "{\"provider\": \"fal-ai\", \"providerId\": \"fal-ai/painter\", "
                       "\"task\": \"text-to-image\", \"status\": \"live\"}, "
                       "{\"provider\": \"hf-inference\", \"providerId\": \"acme/painter\", "
                       "\"task\": \"text-to-image\", \"status\": \"live\"}]}") |
              hub_server_add_repo(root, "acme/embedder", /* the Hub's older form: keyed by provider */
                       "{\"pipeline_tag\": \"sentence-similarity\", \"inferenceProviderMapping\": "
                       "{\"hf-inference\": {\"providerId\": \"acme/embedder\", \"task\": "
                       "\"sentence-similarity\", \"status\": \"live\"}}}") |
              hub_server_add_repo(root, "acme/filmmaker",
                       "{\"pipeline_tag\": \"text-to-video\", \"inferenceProviderMapping\": ["
                       "{\"provider\": \"fal-ai\", \"providerId\": \"fal-ai/wan\", "
                       "\"task\": \"text-to-video\", \"status\": \"live\"}]}") |
              hub_server_add_repo(root, "acme/restyler",
                       "{\"pipeline_tag\": \"image-to-image\", \"inferenceProviderMapping\": ["
                       "{\"provider\": \"hf-inference\", \"providerId\": \"acme/restyler\", "
                       "\"task\": \"image-to-image\", \"status\": \"live\"}]}") |
              hub_server_add_repo(root, "acme/staged",
                       "{\"pipeline_tag\": \"text-to-image\", \"inferenceProviderMapping\": ["
                       "{\"provider\": \"hf-inference\", \"providerId\": \"acme/staged\", "
                       "\"task\": \"text-to-image\", \"status\": \"staging\"}]}");
    router = image_server_start();
    hub = hub_server_start(root);
    if (bad || !router || !hub) {
        printf("Bail out! the Hub or the router did not start\n");
        return 1;
    }
    setenv("SY_TEST_HF_KEY", KEY, 1);
    unsetenv("HF_TOKEN"); /* the Hub must hear no key at all */
    char providers[512], hub_url[64];
    snprintf(providers, sizeof providers,
             "[{\"name\":\"hf\",\"kind\":\"hf\",\"base_url\":\"http://127.0.0.1:%d\","
             "\"api_key_env\":\"SY_TEST_HF_KEY\",\"aliases\":{\"paint\":\"acme/painter\"},"
             "\"images\":{\"acme/small\":{\"sizes\":[\"64x64\"]}}}]",
             image_server_port(router));
    snprintf(hub_url, sizeof hub_url, "http://127.0.0.1:%d", hub_server_port(hub));
    const char *args[] = {"--providers", providers, "--hub-url", hub_url, "--hub-cache", cache,
                          NULL};
    if (test_server_start(&srv, args) != 0) {
        printf("Bail out! the server did not start\n");
        return 1;
    }
    T_RUN(test_listed);
    T_RUN(test_openai_images);
    T_RUN(test_task_and_hf_surfaces);
    T_RUN(test_image_to_image);
    T_RUN(test_embeddings);
    T_RUN(test_refusals);
    T_RUN(test_key_stays_with_the_router);
    T_EQ_INT(test_server_stop(&srv), 0);
    image_server_stop(router);
    hub_server_stop(hub);
    test_env_cleanup(&srv);
    return t_done();
}
