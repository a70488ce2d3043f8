/* test_model_id.c -- `[provider:]model[@variant]` parsing. */
#include "core/model_id.h"
#include "t.h"

static void test_local(void)
{
    struct model_id id;
    T_EQ_INT(model_id_parse("tiny", &id, NULL), SY_OK);
    T_EQ_STR(id.provider, "");
    T_EQ_STR(id.name, "tiny");
    T_EQ_STR(id.variant, "");
    T_EQ_INT(model_id_parse("bartowski/SmolLM2-135M-Instruct-GGUF@Q8_0", &id, NULL), SY_OK);
    T_EQ_STR(id.name, "bartowski/SmolLM2-135M-Instruct-GGUF");
    T_EQ_STR(id.variant, "Q8_0");
}

static void test_providers(void)
{
    struct model_id id;
    T_EQ_INT(model_id_parse("ollama:llama3.2:1b", &id, NULL), SY_OK);
    T_EQ_STR(id.provider, "ollama");
    T_EQ_STR(id.name, "llama3.2:1b");
    T_EQ_INT(model_id_parse("hf:meta-llama/Llama-3.1-8B-Instruct", &id, NULL), SY_OK);
    T_EQ_STR(id.provider, "hf");
    T_EQ_STR(id.name, "meta-llama/Llama-3.1-8B-Instruct");
    /* '@' is only a local variant: a remote name keeps it. */
    T_EQ_INT(model_id_parse("work:model@v2", &id, NULL), SY_OK);
    T_EQ_STR(id.name, "model@v2");
    /* A ':' after the first '/' belongs to the name. */
    T_EQ_INT(model_id_parse("org/name:tag", &id, NULL), SY_OK);
    T_EQ_STR(id.provider, "");
    T_EQ_STR(id.name, "org/name:tag");
}

static void test_rejects(void)
{
    struct sy_err err;
    const char *bad[] = {"", ":x", "UPPER:x", "hf:", "x@", "../etc/passwd", "/abs", "a/../b",
                         "a\\b", "tab\there", "m@../x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct model_id id;
        sy_code rc = model_id_parse(bad[i], &id, &err);
        if (rc != SY_EINVAL)
            printf("#   '%s' was accepted\n", bad[i]);
        T_EQ_INT(rc, SY_EINVAL);
        T_EQ_STR(err.param, "model");
    }
    char long_id[SY_MODEL_ID_MAX + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    struct model_id id;
    T_EQ_INT(model_id_parse(long_id, &id, &err), SY_EINVAL);
}

int main(void)
{
    T_RUN(test_local);
    T_RUN(test_providers);
    T_RUN(test_rejects);
    return t_done();
}
