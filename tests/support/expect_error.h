/* expect_error.h -- checking a refused JSON request from tests.
 *
 * Every surface answers errors as {"error": {"message", "param", ...}} (the
 * Hugging Face one as {"error": "message"}); tests check the status, that the
 * message says what went wrong, and which field it names. */
#ifndef SY_TEST_EXPECT_ERROR_H
#define SY_TEST_EXPECT_ERROR_H

#include <jansson.h>

/* POSTs body (owned) to path and checks the answer: status, a message holding
 * words, and (unless param is NULL) the field it names. On a wrong status it
 * prints the message, so the failure says why. */
void expect_post_error(int port, const char *path, json_t *body, int status, const char *param,
                       const char *words);

#endif
