/* request_speech.c -- the speech members of a sy_request. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"

/* Copies a JSON string of 1..size-1 bytes made of letters, digits and `extra`. */
static sy_code copy_token(const json_t *v, const char *param, const char *extra, char *out,
                          size_t size, const char *what, struct sy_err *err)
{
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= size)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be %s of 1 to %zu characters", param,
                       what, size - 1);
    const char *s = json_string_value(v);
    for (size_t i = 0; i < json_string_length(v); i++)
        if (!isalnum((unsigned char)s[i]) && !strchr(extra, s[i]))
            return sy_errp(err, SY_EINVAL, param,
                           "'%s' must be %s: letters, digits and '%s' only", param, what, extra);
    snprintf(out, size, "%s", s);
    return SY_OK;
}

sy_code request_set_voice(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    return copy_token(v, param, "-_+.", req->speech.voice, sizeof req->speech.voice,
                      "a voice name", err);
}

sy_code request_set_speed(struct sy_request *req, const json_t *v, const char *param,
                          struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    double speed = json_number_value(v);
    if (!json_is_number(v) || !(speed >= 0.25 && speed <= 4.0))
        return sy_errp(err, SY_EINVAL, param,
                       "'%s' must be a number from 0.25 to 4 (1 is normal pace)", param);
    req->speech.speed = speed;
    return SY_OK;
}

sy_code request_set_language(struct sy_request *req, const json_t *v, const char *param,
                             struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    return copy_token(v, param, "-_", req->speech.language, sizeof req->speech.language,
                      "a language code (\"en\", \"en-US\")", err);
}

sy_code request_set_phrases(struct sy_request *req, const json_t *v, const char *param,
                            struct sy_err *err)
{
    if (!v || json_is_null(v))
        return SY_OK;
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n == 0 || n > SY_PHRASES_MAX)
        return sy_errp(err, SY_EINVAL, param, "'%s' must be an array of 1 to %d phrases", param,
                       SY_PHRASES_MAX);
    char **phrases = calloc(n, sizeof *phrases);
    if (!phrases)
        return sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", param);
    sy_code rc = SY_OK;
    for (size_t i = 0; i < n && rc == SY_OK; i++) {
        const json_t *p = json_array_get(v, i);
        size_t len = json_string_length(p);
        if (!json_is_string(p) || len == 0 || len > SY_PHRASE_LEN_MAX ||
            strlen(json_string_value(p)) != len)
            rc = sy_errp(err, SY_EINVAL, param,
                         "'%s[%zu]' must be a non-empty string of at most %d bytes", param, i,
                         SY_PHRASE_LEN_MAX);
        else if (!(phrases[i] = strdup(json_string_value(p))))
            rc = sy_errf(err, SY_ENOMEM, "out of memory reading '%s'", param);
    }
    if (rc != SY_OK) {
        for (size_t i = 0; i < n; i++)
            free(phrases[i]);
        free(phrases);
        return rc;
    }
    for (size_t i = 0; i < req->speech.n_phrases; i++)
        free(req->speech.phrases[i]);
    free(req->speech.phrases);
    req->speech.phrases = phrases;
    req->speech.n_phrases = n;
    return SY_OK;
}

void request_take_audio(struct sy_request *req, int16_t *samples, size_t n, unsigned rate)
{
    free(req->speech.samples);
    req->speech.samples = samples;
    req->speech.n_samples = n;
    req->speech.sample_rate = rate;
}

sy_code request_check_inputs(const struct sy_request *req, struct sy_err *err)
{
    switch (req->task) {
    case SY_TASK_TEXT_TO_SPEECH:
        if (!req->prompt || !req->prompt[0])
            return sy_errp(err, SY_EINVAL, "input",
                           "text-to-speech needs text to say: the input is empty");
        if (strlen(req->prompt) > SY_SPEECH_TEXT_MAX)
            return sy_errp(err, SY_ETOOLARGE, "input",
                           "text-to-speech takes at most %u bytes of text at once; split it",
                           SY_SPEECH_TEXT_MAX);
        return SY_OK;
    case SY_TASK_AUTOMATIC_SPEECH_RECOGNITION:
        if (req->speech.n_samples == 0)
            return sy_errp(err, SY_EINVAL, "file",
                           "automatic-speech-recognition needs audio: none was sent");
        return SY_OK;
    case SY_TASK_TEXT_TO_IMAGE: /* from a picture, a prompt may be the model's choice */
        if ((!req->prompt || !req->prompt[0]) && !req->images.n_refs)
            return sy_errp(err, SY_EINVAL, "prompt",
                           "text-to-image needs a prompt: what to draw");
        return SY_OK;
    case SY_TASK_TEXT_TO_VIDEO:
    case SY_TASK_TEXT_TO_AUDIO:
        if (!req->prompt || !req->prompt[0])
            return sy_errp(err, SY_EINVAL, "prompt", "%s needs a prompt: what to make",
                           task_name(req->task));
        return SY_OK;
    case SY_TASK_FEATURE_EXTRACTION:
        if (req->embed.n_inputs == 0)
            return sy_errp(err, SY_EINVAL, "input",
                           "feature-extraction needs text to embed: none was sent");
        return SY_OK;
    default:
        return SY_OK;
    }
}
