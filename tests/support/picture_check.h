/* picture_check.h -- checking pictures the server answers with, from tests.
 *
 * Pictures come back as base64 PNG in JSON (OpenAI's b64_json, the task
 * API's images) or as the file's own bytes (Hugging Face's POST /models/{id});
 * each is decoded whole with libpng and its size compared. */
#ifndef SY_TEST_PICTURE_CHECK_H
#define SY_TEST_PICTURE_CHECK_H

#include <jansson.h>

/* The pictures of a task-API answer: its result.task_output.images (NULL if none). */
const json_t *task_images(const json_t *answer);

/* Checks that b64 is a JSON string holding base64 of a width x height PNG. */
void expect_png_b64(const json_t *b64, unsigned width, unsigned height);

/* POSTs {"inputs": prompt, "parameters": {"width", "height"}} to
 * /models/<model> and checks the answer is an image/png of that size. */
void expect_hf_picture(int port, const char *model, const char *prompt, unsigned width,
                       unsigned height);

#endif
