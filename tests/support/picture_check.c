/* picture_check.c -- pictures, decoded and measured. */
#include "picture_check.h"

#include <stdio.h>
#include <stdlib.h>

#include "http_client.h"
#include "image_server.h"
#include "t.h"
#include "util/base64.h"
#include "util/buf.h"

static void expect_png(const void *data, size_t len, unsigned width, unsigned height)
{
    unsigned w = 0, h = 0;
    T_EQ_INT(png_size(data, len, &w, &h), 0);
    T_EQ_INT(w, width);
    T_EQ_INT(h, height);
}

const json_t *task_images(const json_t *answer)
{
    return json_object_get(json_object_get(json_object_get(answer, "result"), "task_output"),
                           "images");
}

void expect_png_b64(const json_t *b64, unsigned width, unsigned height)
{
    struct sy_buf png;
    buf_init(&png, 64u << 20);
    T_ASSERT(json_is_string(b64) &&
             base64_decode(json_string_value(b64), json_string_length(b64), &png, NULL) ==
                 SY_OK);
    expect_png(png.data, png.len, width, height);
    buf_cleanup(&png);
}

void expect_hf_picture(int port, const char *model, const char *prompt, unsigned width,
                       unsigned height)
{
    json_t *hf = json_pack("{s:s, s:{s:i, s:i}}", "inputs", prompt, "parameters", "width",
                           (int)width, "height", (int)height);
    char *body = json_dumps(hf, JSON_COMPACT);
    json_decref(hf);
    char path[512];
    snprintf(path, sizeof path, "/models/%s", model);
    struct http_response r;
    T_REQUIRE(http_request(port, "POST", path, "Content-Type: application/json\r\n", body, &r) ==
              0);
    free(body);
    T_EQ_INT(r.status, 200);
    char type[64];
    T_EQ_STR(http_response_header(&r, "Content-Type", type, sizeof type), "image/png");
    expect_png(r.body.data, r.body.len, width, height);
    http_response_cleanup(&r);
}
