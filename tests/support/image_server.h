/* image_server.h -- an image upstream on loopback, for tests: OpenAI's images
 * API and the task endpoints of Hugging Face's hf-inference provider.
 *
 * GET /v1/models lists one chat model ("chat-model"); POST
 * /v1/images/generations answers {"created", "data": [{"b64_json"}]} with n
 * real PNG files (written with libpng) of the size asked ("WxH", default
 * 64x64), their pixels a pattern of the seed. POST
 * /hf-inference/models/{repo} takes {"inputs", "parameters": {width, height,
 * seed}} and answers one such PNG's bytes (image/png), or, given a PNG as
 * base64 inputs and the prompt in parameters (image-to-image), one of that
 * picture's size; POST
 * /hf-inference/models/{repo}/pipeline/feature-extraction takes {"inputs":
 * [texts]} and answers a vector per text (its counts of the letters a..h);
 * POST /v1/images/edits (a multipart form, read with libmicrohttpd's post
 * processor) answers one PNG of the size asked, else of its first reference
 * image's size, and records the form's fields and image parts.
 * It records every request: body, path and Authorization. Prompts steer it:
 * one containing "refuse" is answered 400, "as-url:PORT" (OpenAI's route) is
 * answered with a URL on 127.0.0.1:PORT instead of bytes, and "garble"
 * (hf-inference's) with bytes that are no picture. */
#ifndef SY_TEST_IMAGE_SERVER_H
#define SY_TEST_IMAGE_SERVER_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"

struct image_server;

/* Starts on a free loopback port. Returns NULL on failure. */
struct image_server *image_server_start(void);
void image_server_stop(struct image_server *is);
int image_server_port(const struct image_server *is);

/* Image requests received so far, and (a new reference) the last one's body. */
unsigned image_server_requests(struct image_server *is);
json_t *image_server_last(struct image_server *is);

/* The last request's path and Authorization header ("" if none). */
void image_server_last_request(struct image_server *is, char *path, size_t path_size,
                               char *auth, size_t auth_size);

/* Writes a w x h RGB PNG whose pixels follow seed into out (buf_init it).
 * Returns 0, or -1 if libpng failed. */
int png_make(unsigned w, unsigned h, unsigned seed, struct sy_buf *out);

/* Reads a PNG's size with libpng. Returns 0, or -1 if it is not a whole PNG. */
int png_size(const void *data, size_t len, unsigned *width, unsigned *height);

#endif
