/* test_settings.c -- the GenerationSettings validation table through settings_read(). */
#include <string.h>

#include "core/settings.h"
#include "t.h"

static const struct setting_alias aliases[] = {
    {"temperature", SY_SETTING_TEMPERATURE},
    {"top_p", SY_SETTING_TOP_P},
    {"top_k", SY_SETTING_TOP_K},
    {"max_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"max_completion_tokens", SY_SETTING_MAX_NEW_TOKENS},
    {"options.num_predict", SY_SETTING_MAX_NEW_TOKENS},
    {"stop", SY_SETTING_STOP},
    {"seed", SY_SETTING_SEED},
    {"repetition_penalty", SY_SETTING_REPETITION_PENALTY},
    {"do_sample", SY_SETTING_DO_SAMPLE},
    {"guidance_scale", SY_SETTING_GUIDANCE_SCALE},
    {"num_inference_steps", SY_SETTING_NUM_INFERENCE_STEPS},
    {"negative_prompt", SY_SETTING_NEGATIVE_PROMPT},
};
#define N_ALIASES (sizeof aliases / sizeof aliases[0])

/* Reads text; returns the code and leaves the error in *err. */
static sy_code read_text(const char *text, struct sy_settings *s, struct sy_err *err)
{
    json_t *obj = json_loads(text, 0, NULL);
    settings_init(s);
    sy_err_clear(err);
    sy_code rc = settings_read(obj, aliases, N_ALIASES, s, err);
    json_decref(obj);
    return rc;
}

static void expect_invalid(const char *text, const char *param)
{
    struct sy_settings s;
    struct sy_err err;
    sy_code rc = read_text(text, &s, &err);
    if (rc != SY_EINVAL || strcmp(err.param, param) != 0)
        printf("#   for %s: code %d param '%s' msg '%s'\n", text, rc, err.param, err.msg);
    T_EQ_INT(rc, SY_EINVAL);
    T_EQ_STR(err.param, param);
    settings_cleanup(&s);
}

static void test_defaults(void)
{
    struct sy_settings s;
    settings_init(&s);
    T_EQ_INT(s.given, 0);
    T_ASSERT(s.temperature == 1.0 && s.top_p == 1.0 && s.do_sample);
    T_ASSERT(!settings_greedy(&s));
    settings_cleanup(&s);
}

static void test_valid_values(void)
{
    struct sy_settings s;
    struct sy_err err;
    T_EQ_INT(read_text("{\"temperature\":0,\"top_p\":1,\"top_k\":0,\"max_tokens\":1,"
                       "\"stop\":[\"a\",\"bc\"],\"seed\":4294967295,\"repetition_penalty\":1.1}",
                       &s, &err),
             SY_OK);
    T_ASSERT(s.temperature == 0.0 && settings_greedy(&s));
    T_EQ_INT(s.max_new_tokens, 1);
    T_EQ_INT(s.n_stop, 2);
    T_EQ_STR(s.stop[1], "bc");
    T_EQ_INT(s.seed, 4294967295LL);
    T_ASSERT(s.given & SY_SETTING_BIT(SY_SETTING_STOP));
    T_EQ_STR(settings_param(&s, SY_SETTING_MAX_NEW_TOKENS), "max_tokens");
    settings_cleanup(&s);

    /* A single stop string, a whole float for an int, and null meaning absent. */
    T_EQ_INT(read_text("{\"stop\":\"END\",\"max_tokens\":16.0,\"seed\":null}", &s, &err), SY_OK);
    T_EQ_INT(s.n_stop, 1);
    T_EQ_INT(s.max_new_tokens, 16);
    T_ASSERT(!(s.given & SY_SETTING_BIT(SY_SETTING_SEED)));
    settings_cleanup(&s);

    /* Dotted paths reach nested objects; the param is the path. */
    T_EQ_INT(read_text("{\"options\":{\"num_predict\":7}}", &s, &err), SY_OK);
    T_EQ_INT(s.max_new_tokens, 7);
    T_EQ_STR(settings_param(&s, SY_SETTING_MAX_NEW_TOKENS), "options.num_predict");
    settings_cleanup(&s);
}

static void test_bounds(void)
{
    expect_invalid("{\"temperature\":2.01}", "temperature");
    expect_invalid("{\"temperature\":-0.1}", "temperature");
    expect_invalid("{\"top_p\":0}", "top_p");
    expect_invalid("{\"top_p\":1.5}", "top_p");
    expect_invalid("{\"top_k\":-1}", "top_k");
    expect_invalid("{\"max_tokens\":0}", "max_tokens");
    expect_invalid("{\"options\":{\"num_predict\":0}}", "options.num_predict");
    expect_invalid("{\"repetition_penalty\":0}", "repetition_penalty");
    expect_invalid("{\"seed\":-1}", "seed");
    expect_invalid("{\"seed\":4294967296}", "seed");
    expect_invalid("{\"guidance_scale\":-1}", "guidance_scale");
    expect_invalid("{\"num_inference_steps\":0}", "num_inference_steps");
}

static void test_types(void)
{
    expect_invalid("{\"temperature\":\"hot\"}", "temperature");
    expect_invalid("{\"max_tokens\":2.5}", "max_tokens");
    expect_invalid("{\"max_tokens\":true}", "max_tokens");
    expect_invalid("{\"do_sample\":1}", "do_sample");
    expect_invalid("{\"stop\":[1]}", "stop");
    expect_invalid("{\"stop\":[\"\"]}", "stop");
    expect_invalid("{\"stop\":{}}", "stop");
    expect_invalid("{\"negative_prompt\":3}", "negative_prompt");
}

static void test_limits_and_duplicates(void)
{
    expect_invalid("{\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\","
                   "\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]}",
                   "stop");
    char long_stop[SY_STOP_LEN_MAX + 32];
    memset(long_stop, 0, sizeof long_stop);
    strcpy(long_stop, "{\"stop\":\"");
    memset(long_stop + 9, 'x', SY_STOP_LEN_MAX + 1);
    strcat(long_stop, "\"}");
    expect_invalid(long_stop, "stop");
    /* Two names for one setting in one request. */
    expect_invalid("{\"max_tokens\":5,\"max_completion_tokens\":6}", "max_completion_tokens");
}

int main(void)
{
    T_RUN(test_defaults);
    T_RUN(test_valid_values);
    T_RUN(test_bounds);
    T_RUN(test_types);
    T_RUN(test_limits_and_duplicates);
    return t_done();
}
