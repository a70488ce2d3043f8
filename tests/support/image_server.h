/* image_server.h -- an OpenAI-compatible image upstream on loopback, for tests.
 *
 * GET /v1/models lists one chat model ("chat-model"); POST
 * /v1/images/generations answers {"created", "data": [{"b64_json"}]} with n
 * real PNG files (written with libpng) of the size asked ("WxH", default
 * 64x64), their pixels a pattern of the seed. It records every request body
 * it got. Prompts steer it: one containing "refuse" is answered 400, and
 * "as-url:PORT" is answered with a URL on 127.0.0.1:PORT instead of bytes. */
#ifndef SY_TEST_IMAGE_SERVER_H
#define SY_TEST_IMAGE_SERVER_H

#include <jansson.h>
#include <stddef.h>

struct image_server;

/* Starts on a free loopback port. Returns NULL on failure. */
struct image_server *image_server_start(void);
void image_server_stop(struct image_server *is);
int image_server_port(const struct image_server *is);

/* Image requests received so far, and (a new reference) the last one's body. */
unsigned image_server_requests(struct image_server *is);
json_t *image_server_last(struct image_server *is);

/* Reads a PNG's size with libpng. Returns 0, or -1 if it is not a whole PNG. */
int png_size(const void *data, size_t len, unsigned *width, unsigned *height);

#endif
