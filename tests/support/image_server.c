/* image_server.c -- the loopback image upstream. */
#include "image_server.h"

#include <microhttpd.h>
#include <png.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/base64.h"
#include "loopback_daemon.h"
#include "util/buf.h"

struct image_server {
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    unsigned requests;
    json_t *last;
    char last_path[256];
    char last_auth[256];
};

#define EDIT_FILES_MAX 8

struct upload {
    struct sy_buf body;
    /* /v1/images/edits: its form, read by MHD's post processor */
    struct MHD_PostProcessor *pp;
    json_t *fields;                      /* name: value */
    struct sy_buf files[EDIT_FILES_MAX]; /* the image parts, in order */
    char file_names[EDIT_FILES_MAX][16]; /* their part names ("image", "image[]") */
    size_t n_files;
};

/* ---- PNG -------------------------------------------------------------------------------- */

static void png_to_buf(png_structp png, png_bytep data, png_size_t n)
{
    buf_append(png_get_io_ptr(png), data, n, NULL);
}

static void png_flush_nothing(png_structp png)
{
    (void)png;
}

/* A w x h RGB picture whose pixels follow seed, encoded as PNG into out. */
int png_make(unsigned w, unsigned h, unsigned seed, struct sy_buf *out)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    unsigned char *row = malloc((size_t)w * 3);
    if (!png || !info || !row || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    png_set_write_fn(png, out, png_to_buf, png_flush_nothing);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (unsigned y = 0; y < h; y++) {
        for (unsigned x = 0; x < w; x++) {
            row[3 * x] = (unsigned char)(x * 255 / w);
            row[3 * x + 1] = (unsigned char)(y * 255 / h);
            row[3 * x + 2] = (unsigned char)(seed * 37 + x + y);
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

struct png_reader {
    const unsigned char *data;
    size_t len, at;
};

static void png_from_memory(png_structp png, png_bytep out, png_size_t n)
{
    struct png_reader *r = png_get_io_ptr(png);
    if (n > r->len - r->at)
        png_error(png, "truncated");
    memcpy(out, r->data + r->at, n);
    r->at += n;
}

int png_size(const void *data, size_t len, unsigned *width, unsigned *height)
{
    if (len < 8 || png_sig_cmp(data, 0, 8) != 0)
        return -1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    struct png_reader r = {.data = data, .len = len};
    unsigned char *volatile row = NULL; /* freed after a longjmp from libpng */
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(row);
        return -1;
    }
    png_set_read_fn(png, &r, png_from_memory);
    png_read_info(png, info);
    *width = png_get_image_width(png, info);
    *height = png_get_image_height(png, info);
    row = malloc(png_get_rowbytes(png, info));
    if (!row)
        png_error(png, "out of memory");
    for (unsigned y = 0; y < *height; y++) /* every row: the whole file must be there */
        png_read_row(png, row, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    free(row);
    return 0;
}

/* ---- HTTP ------------------------------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, json_t *body)
{
    return loopback_answer_json(c, status, body);
}

/* Keeps what a request brought: its body (parsed), path and credentials. */
static json_t *record(struct image_server *is, struct MHD_Connection *c, const char *url,
                      const struct sy_buf *body)
{
    json_t *req = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    pthread_mutex_lock(&is->lock);
    is->requests++;
    json_decref(is->last);
    is->last = json_incref(req);
    snprintf(is->last_path, sizeof is->last_path, "%s", url);
    snprintf(is->last_auth, sizeof is->last_auth, "%s", auth ? auth : "");
    pthread_mutex_unlock(&is->lock);
    return req;
}

static enum MHD_Result generate(struct image_server *is, struct MHD_Connection *c,
                                const char *url, const struct sy_buf *body)
{
    json_t *req = record(is, c, url, body);
    const char *prompt = json_string_value(json_object_get(req, "prompt"));
    if (!prompt) {
        json_decref(req);
        return answer(c, 400, json_pack("{s:{s:s}}", "error", "message", "no prompt"));
    }
    if (strstr(prompt, "refuse")) {
        json_decref(req);
        return answer(c, 400, json_pack("{s:{s:s}}", "error", "message",
                                        "this prompt is refused by the test upstream"));
    }
    const char *url_at = strstr(prompt, "as-url:");
    if (url_at) {
        char elsewhere[64];
        snprintf(elsewhere, sizeof elsewhere, "http://127.0.0.1:%d/picture.png",
                 atoi(url_at + 7));
        json_decref(req);
        return answer(c, 200, json_pack("{s:I, s:[{s:s}]}", "created", (json_int_t)time(NULL),
                                        "data", "url", elsewhere));
    }
    unsigned w = 64, h = 64;
    const char *size = json_string_value(json_object_get(req, "size"));
    if (size && sscanf(size, "%ux%u", &w, &h) != 2)
        w = h = 64;
    json_int_t n = json_is_integer(json_object_get(req, "n"))
                       ? json_integer_value(json_object_get(req, "n"))
                       : 1;
    unsigned seed = (unsigned)json_integer_value(json_object_get(req, "seed"));
    json_decref(req);
    json_t *data = json_array();
    struct sy_buf png, b64;
    buf_init(&png, 64u << 20);
    buf_init(&b64, 128u << 20);
    for (json_int_t i = 0; i < n && i < 16 && w <= 4096 && h <= 4096; i++) {
        buf_reset(&png);
        buf_reset(&b64);
        if (png_make(w, h, seed + (unsigned)i, &png) == 0 &&
            base64_encode(png.data, png.len, &b64, NULL) == SY_OK)
            json_array_append_new(data, json_pack("{s:s%}", "b64_json", b64.data, b64.len));
    }
    buf_cleanup(&png);
    buf_cleanup(&b64);
    return answer(c, 200, json_pack("{s:I, s:o}", "created", (json_int_t)time(NULL), "data",
                                    data));
}

/* hf-inference's text-to-image: {"inputs", "parameters": {width, height,
 * seed, ...}} answered with the PNG's own bytes; errors as {"error": "..."}. */
static enum MHD_Result hf_picture(struct image_server *is, struct MHD_Connection *c,
                                  const char *url, const struct sy_buf *body)
{
    json_t *req = record(is, c, url, body);
    const char *prompt = json_string_value(json_object_get(req, "inputs"));
    const json_t *params = json_object_get(req, "parameters");
    unsigned w = (unsigned)json_integer_value(json_object_get(params, "width"));
    unsigned h = (unsigned)json_integer_value(json_object_get(params, "height"));
    /* image-to-image: the input is a picture (base64), the prompt a parameter;
     * the drawing takes its size unless one is asked for */
    struct sy_buf picture;
    buf_init(&picture, 16u << 20);
    unsigned pw = 0, ph = 0;
    if (prompt && base64_decode(prompt, strlen(prompt), &picture, NULL) == SY_OK &&
        png_size(picture.data, picture.len, &pw, &ph) == 0) {
        prompt = json_string_value(json_object_get(params, "prompt"));
        if (!w || !h) {
            w = pw;
            h = ph;
        }
    }
    buf_cleanup(&picture);
    unsigned seed = (unsigned)json_integer_value(json_object_get(params, "seed"));
    if (!w || !h || w > 4096 || h > 4096)
        w = h = 64;
    bool refused = !prompt || strstr(prompt, "refuse");
    bool garbled = prompt && strstr(prompt, "garble");
    json_decref(req);
    if (refused)
        return answer(c, 400, json_pack("{s:s}", "error", "Input validation error: `inputs` "
                                        "is refused by the test upstream"));
    struct sy_buf png;
    buf_init(&png, 64u << 20);
    if (garbled) /* the right type, the wrong bytes */
        buf_append(&png, "not a picture at all", 20, NULL);
    else if (png_make(w, h, seed, &png) != 0) {
        buf_cleanup(&png);
        return answer(c, 500, json_pack("{s:s}", "error", "libpng failed"));
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(png.len, png.data,
                                                             MHD_RESPMEM_MUST_COPY);
    buf_cleanup(&png);
    MHD_add_response_header(r, "Content-Type", "image/png");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}

/* hf-inference's feature-extraction: {"inputs": [texts]} answered with one
 * vector per text, [[...], ...]: how often each letter a..h occurs in it. */
static enum MHD_Result hf_features(struct image_server *is, struct MHD_Connection *c,
                                   const char *url, const struct sy_buf *body)
{
    json_t *req = record(is, c, url, body);
    const json_t *inputs = json_object_get(req, "inputs");
    json_t *out = json_array();
    size_t i;
    const json_t *text;
    json_array_foreach(inputs, i, text) {
        double counts[8] = {0};
        for (const char *p = json_string_value(text); p && *p; p++)
            if (*p >= 'a' && *p <= 'h')
                counts[*p - 'a'] += 1;
        json_t *v = json_array();
        for (int k = 0; k < 8; k++)
            json_array_append_new(v, json_real(counts[k]));
        json_array_append_new(out, v);
    }
    bool ok = json_is_array(inputs);
    json_decref(req);
    if (!ok) {
        json_decref(out);
        return answer(c, 400, json_pack("{s:s}", "error", "inputs must be a list"));
    }
    return answer(c, 200, out);
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    struct upload *up = cls;
    if (filename) {
        if (off == 0) {
            if (up->n_files == EDIT_FILES_MAX)
                return MHD_NO;
            buf_init(&up->files[up->n_files], 16u << 20);
            snprintf(up->file_names[up->n_files], sizeof up->file_names[0], "%s", key);
            up->n_files++;
        }
        buf_append(&up->files[up->n_files - 1], data, size, NULL);
        return MHD_YES;
    }
    const char *had = off ? json_string_value(json_object_get(up->fields, key)) : "";
    char *joined = malloc(strlen(had ? had : "") + size + 1);
    if (!joined)
        return MHD_NO;
    snprintf(joined, strlen(had ? had : "") + size + 1, "%s%.*s", had ? had : "", (int)size,
             data);
    json_object_set_new(up->fields, key, json_string(joined));
    free(joined);
    return MHD_YES;
}

/* OpenAI's /v1/images/edits: the pictures drawn are the size asked, or else
 * the first reference image's (so a test sees its bytes arrived whole). */
static enum MHD_Result edit(struct image_server *is, struct MHD_Connection *c, const char *url,
                            struct upload *up)
{
    json_t *files = json_array();
    unsigned w = 0, h = 0;
    for (size_t i = 0; i < up->n_files; i++) {
        unsigned fw = 0, fh = 0;
        bool png = png_size(up->files[i].data, up->files[i].len, &fw, &fh) == 0;
        json_array_append_new(files, json_pack("{s:s, s:I, s:b}", "name", up->file_names[i],
                                               "bytes", (json_int_t)up->files[i].len, "png",
                                               png));
        if (i == 0 && png) {
            w = fw;
            h = fh;
        }
    }
    const char *size = json_string_value(json_object_get(up->fields, "size"));
    if (size && sscanf(size, "%ux%u", &w, &h) != 2)
        w = h = 0;
    if (!w || !h || w > 4096 || h > 4096)
        w = h = 64;
    json_t *seen = json_pack("{s:O, s:o}", "fields", up->fields, "files", files);
    pthread_mutex_lock(&is->lock);
    is->requests++;
    json_decref(is->last);
    is->last = seen;
    snprintf(is->last_path, sizeof is->last_path, "%s", url);
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    snprintf(is->last_auth, sizeof is->last_auth, "%s", auth ? auth : "");
    pthread_mutex_unlock(&is->lock);
    if (!up->n_files)
        return answer(c, 400, json_pack("{s:{s:s}}", "error", "message", "no image sent"));
    struct sy_buf png, b64;
    buf_init(&png, 64u << 20);
    buf_init(&b64, 128u << 20);
    json_t *data = json_array();
    if (png_make(w, h, 7, &png) == 0 && base64_encode(png.data, png.len, &b64, NULL) == SY_OK)
        json_array_append_new(data, json_pack("{s:s%}", "b64_json", b64.data, b64.len));
    buf_cleanup(&png);
    buf_cleanup(&b64);
    return answer(c, 200, json_pack("{s:I, s:o}", "created", (json_int_t)time(NULL), "data",
                                    data));
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **state)
{
    (void)version;
    struct image_server *is = cls;
    struct upload *up = *state;
    if (!up) {
        if (!(up = calloc(1, sizeof *up)))
            return MHD_NO;
        buf_init(&up->body, 1u << 20);
        if (strcmp(url, "/v1/images/edits") == 0) {
            up->fields = json_object();
            up->pp = MHD_create_post_processor(c, 64 * 1024, on_part, up);
        }
        *state = up;
        return MHD_YES;
    }
    if (*size) {
        if (up->pp)
            MHD_post_process(up->pp, data, *size);
        else
            buf_append(&up->body, data, *size, NULL);
        *size = 0;
        return MHD_YES;
    }
    enum MHD_Result rc;
    if (strcmp(method, "GET") == 0 && strcmp(url, "/v1/models") == 0)
        rc = answer(c, 200, json_pack("{s:s, s:[{s:s, s:s}]}", "object", "list", "data", "id",
                                      "chat-model", "object", "model"));
    else if (strcmp(method, "POST") == 0 && strcmp(url, "/v1/images/generations") == 0)
        rc = generate(is, c, url, &up->body);
    else if (strcmp(method, "POST") == 0 && up->pp)
        rc = edit(is, c, url, up);
    else if (strcmp(method, "POST") == 0 && strncmp(url, "/hf-inference/models/", 21) == 0 &&
             ends_with(url, "/pipeline/feature-extraction"))
        rc = hf_features(is, c, url, &up->body);
    else if (strcmp(method, "POST") == 0 && strncmp(url, "/hf-inference/models/", 21) == 0)
        rc = hf_picture(is, c, url, &up->body);
    else
        rc = answer(c, 404, json_pack("{s:{s:s}}", "error", "message", "no such route"));
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *up = *state;
    if (up) {
        buf_cleanup(&up->body);
        if (up->pp)
            MHD_destroy_post_processor(up->pp);
        json_decref(up->fields);
        for (size_t i = 0; i < up->n_files; i++)
            buf_cleanup(&up->files[i]);
        free(up);
    }
}

struct image_server *image_server_start(void)
{
    struct image_server *is = calloc(1, sizeof *is);
    if (!is)
        return NULL;
    pthread_mutex_init(&is->lock, NULL);
    is->daemon = loopback_daemon_start(on_request, is, on_completed, &is->port);
    if (!is->daemon) {
        image_server_stop(is);
        return NULL;
    }
    return is;
}

void image_server_stop(struct image_server *is)
{
    if (!is)
        return;
    if (is->daemon)
        MHD_stop_daemon(is->daemon);
    json_decref(is->last);
    pthread_mutex_destroy(&is->lock);
    free(is);
}

int image_server_port(const struct image_server *is)
{
    return is->port;
}

unsigned image_server_requests(struct image_server *is)
{
    pthread_mutex_lock(&is->lock);
    unsigned n = is->requests;
    pthread_mutex_unlock(&is->lock);
    return n;
}

json_t *image_server_last(struct image_server *is)
{
    pthread_mutex_lock(&is->lock);
    json_t *last = json_incref(is->last);
    pthread_mutex_unlock(&is->lock);
    return last;
}

void image_server_last_request(struct image_server *is, char *path, size_t path_size,
                               char *auth, size_t auth_size)
{
    pthread_mutex_lock(&is->lock);
    snprintf(path, path_size, "%s", is->last_path);
    snprintf(auth, auth_size, "%s", is->last_auth);
    pthread_mutex_unlock(&is->lock);
}
