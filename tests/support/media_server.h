/* media_server.h -- a video and music upstream on loopback, for tests:
 * OpenAI's videos API and Hugging Face hf-inference's text-to-audio task.
 *
 * POST /v1/videos (a multipart or urlencoded form, read with libmicrohttpd's
 * post processor, or a JSON body) with model, prompt, seconds ("1".."60",
 * default "4") and size ("WxH", sides up to 1920, default "64x36") creates
 * a job and answers its video object, status "queued". Jobs advance only when
 * polled, never by the clock: each GET /v1/videos/{id} moves one step, so the
 * 1st poll answers "in_progress" (progress 50) and the 2nd and later
 * "completed" (100, with completed_at). GET /v1/videos/{id}/content (any
 * query) of a completed job answers a real MP4 (mp4.h): the size asked,
 * seconds * 4 frames at 4 per second, frame i png_make(w, h, i + strlen(prompt));
 * of any other job 400. DELETE /v1/videos/{id} forgets the job. At most 64
 * jobs live at once; more are answered 429. Errors are OpenAI's
 * {"error": {"message", "type"}}; unknown ids 404.
 * POST /hf-inference/models/{repo...} with {"inputs": text, "parameters":
 * {"duration_s": 1..10}} answers audio/wav: a 16 kHz mono 16-bit WAV
 * (libsndfile) of a sine at 220 + 20 * (strlen(text) % 20) Hz, amplitude 0.5,
 * lasting duration_s seconds (default 1). Its errors are {"error": "..."}.
 * GET /v1/models lists no models; anything else is 404.
 * Prompts steer it: one containing "refuse" is answered 400 at once; "fail"
 * makes the 2nd poll answer "failed" with error code "moderation_blocked";
 * "stall" keeps the job in_progress forever; "vanish" forgets the job after
 * the 1st poll (the 2nd is answered 404); "garble" makes the content
 * (video/mp4) or the music (audio/wav) bytes that are no such thing.
 * It records every request: method, path (without the query), Authorization,
 * and the last POST's form fields or JSON body.
 * Thread-safety: all functions may be called from any thread while it
 * serves; each request is served on its own thread. */
#ifndef SY_TEST_MEDIA_SERVER_H
#define SY_TEST_MEDIA_SERVER_H

#include <jansson.h>
#include <stddef.h>

struct media_server;

/* Starts on a free loopback port.
 * Returns: a new server owned by the caller (media_server_stop()), or NULL. */
struct media_server *media_server_start(void);

/* Stops serving, waits for requests in flight and frees it all. NULL is a no-op. */
void media_server_stop(struct media_server *ms);

int media_server_port(const struct media_server *ms);

/* Requests received so far: every one, whatever its route or answer. */
unsigned media_server_requests(struct media_server *ms);

/* Requests received so far whose method equals method ("GET") and whose path
 * starts with path_prefix ("/v1/videos/"). Notes: counts the first 100000
 * requests only. */
unsigned media_server_count(struct media_server *ms, const char *method,
                            const char *path_prefix);

/* The last POST's fields: a form's as an object of strings (a file part as
 * {"filename", "content_type", "bytes"}), or its JSON body.
 * Returns: a new reference owned by the caller (json_decref()); NULL if no
 *          POST came yet or the last one's body was not JSON. */
json_t *media_server_last(struct media_server *ms);

/* Copies the last request's path (without the query) and Authorization
 * header ("" if none) into the caller's buffers, truncated to fit. */
void media_server_last_request(struct media_server *ms, char *path, size_t path_size,
                               char *auth, size_t auth_size);

#endif
