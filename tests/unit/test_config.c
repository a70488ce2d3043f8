/* test_config.c -- defaults, the config file and flags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "t.h"

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sy-config-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    ssize_t w = write(fd, text, strlen(text));
    close(fd);
    return w == (ssize_t)strlen(text) ? path : NULL;
}

static void test_defaults(void)
{
    struct sy_config cfg;
    config_defaults(&cfg);
    T_EQ_STR(cfg.host, "127.0.0.1"); /* loopback unless told otherwise */
    T_EQ_INT(cfg.port, 8080);
    T_ASSERT(cfg.threads >= 1);
    T_EQ_INT(config_finish(&cfg, NULL), SY_OK);
    T_CONTAINS(cfg.models_dir, "/models");
    T_CONTAINS(cfg.llama_worker, "switchyard-llama");
}

static void test_file_then_flags(void)
{
    struct sy_config cfg;
    config_defaults(&cfg);
    char *path = write_temp("{\"port\": 9000, \"slots\": 2, \"models_dir\": \"/srv/models\"}");
    T_REQUIRE(path);
    T_EQ_INT(config_load_file(&cfg, path, NULL), SY_OK);
    T_EQ_INT(cfg.port, 9000);
    T_EQ_INT(cfg.slots, 2);
    T_EQ_INT(config_set(&cfg, "port", "0", NULL), SY_OK); /* flags win */
    T_EQ_INT(config_set(&cfg, "context-size", "2048", NULL), SY_OK);
    T_EQ_INT(cfg.port, 0);
    T_EQ_INT(cfg.context_size, 2048);
    T_EQ_INT(config_finish(&cfg, NULL), SY_OK);
    T_EQ_STR(cfg.models_dir, "/srv/models");
    unlink(path);
}

static void test_errors_name_the_key(void)
{
    struct sy_config cfg;
    struct sy_err err;
    config_defaults(&cfg);
    char *path = write_temp("{\"prot\": 1}");
    T_REQUIRE(path);
    T_EQ_INT(config_load_file(&cfg, path, &err), SY_EINVAL);
    T_CONTAINS(err.msg, "prot");
    T_CONTAINS(err.msg, path);
    unlink(path);
    path = write_temp("{\"port\": 70000}");
    T_EQ_INT(config_load_file(&cfg, path, &err), SY_EINVAL);
    T_CONTAINS(err.msg, "port");
    unlink(path);
    path = write_temp("{\"port\": ");
    T_EQ_INT(config_load_file(&cfg, path, &err), SY_EINVAL);
    unlink(path);
    T_EQ_INT(config_set(&cfg, "threads", "0", &err), SY_EINVAL);
    T_EQ_INT(config_set(&cfg, "threads", "two", &err), SY_EINVAL);
    T_EQ_INT(config_set(&cfg, "log-level", "loud", &err), SY_EINVAL);
    T_EQ_INT(config_set(&cfg, "no-such-flag", "1", &err), SY_EINVAL);
    T_EQ_INT(config_load_file(&cfg, "/nonexistent/config.json", &err), SY_EIO);
}

static void test_residency_keys(void)
{
    struct sy_config cfg;
    config_defaults(&cfg);
    T_EQ_INT(cfg.keep_alive_ms, 300000);
    T_EQ_INT(config_finish(&cfg, NULL), SY_OK);
    T_ASSERT(cfg.memory_budget > 0); /* a share of the memory available */
    char *path = write_temp("{\"memory_budget\": \"8GiB\", \"keep_alive\": \"10m\", "
                            "\"queue_size\": 0}");
    T_REQUIRE(path);
    T_EQ_INT(config_load_file(&cfg, path, NULL), SY_OK);
    unlink(path);
    T_EQ_INT(cfg.memory_budget, 8ull << 30);
    T_EQ_INT(cfg.keep_alive_ms, 600000);
    T_EQ_INT(cfg.queue_size, 0);
    path = write_temp("{\"memory_budget\": 1000000, \"keep_alive\": -1}");
    T_REQUIRE(path);
    T_EQ_INT(config_load_file(&cfg, path, NULL), SY_OK);
    unlink(path);
    T_EQ_INT(cfg.memory_budget, 1000000);
    T_EQ_INT(cfg.keep_alive_ms, -1);
    T_EQ_INT(config_set(&cfg, "keep-alive", "30", NULL), SY_OK); /* seconds */
    T_EQ_INT(cfg.keep_alive_ms, 30000);
    struct sy_err err;
    T_EQ_INT(config_set(&cfg, "memory-budget", "lots", &err), SY_EINVAL);
    T_CONTAINS(err.msg, "memory_budget");
    T_EQ_INT(config_set(&cfg, "keep-alive", "5 minutes", &err), SY_EINVAL);
    T_CONTAINS(err.msg, "keep_alive");
    T_EQ_INT(config_set(&cfg, "restart-limit", "0", &err), SY_EINVAL);
}

static void test_providers(void)
{
    struct sy_config cfg;
    struct sy_err err;
    config_defaults(&cfg);
    T_EQ_INT(cfg.n_providers, 0);
    char *path = write_temp(
        "{\"providers\": [{\"name\": \"work\", \"kind\": \"openai\", "
        "\"base_url\": \"https://llm.example/v1//\", \"api_key_env\": \"WORK_KEY\", "
        "\"aliases\": {\"fast\": \"llama-3.1-8b\"}}, "
        "{\"name\": \"box\", \"kind\": \"openai\", \"base_url\": \"http://10.0.0.5:8080/v1\", "
        "\"timeout\": 30}]}");
    T_REQUIRE(path);
    T_EQ_INT(config_load_file(&cfg, path, &err), SY_OK);
    unlink(path);
    T_EQ_INT(cfg.n_providers, 2);
    T_EQ_STR(cfg.providers[0].base_url, "https://llm.example/v1"); /* paths are appended */
    T_EQ_STR(cfg.providers[0].api_key_env, "WORK_KEY");
    T_EQ_INT(cfg.providers[0].timeout_s, 600);
    T_EQ_INT(cfg.providers[0].connect_timeout_s, 10);
    T_EQ_INT(cfg.providers[0].n_aliases, 1);
    T_EQ_STR(cfg.providers[0].aliases[0].model, "llama-3.1-8b");
    T_EQ_INT(cfg.providers[1].timeout_s, 30);

    /* The flag takes the same JSON. */
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"x\",\"kind\":\"openai\",\"base_url\":\"http://h/v1\"}]",
                        &err),
             SY_OK);
    T_EQ_INT(cfg.n_providers, 1);

    /* Image models, with the sizes they make ("W:H" too) or any. */
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"x\",\"kind\":\"openai\",\"base_url\":\"http://h/v1\","
                        "\"images\":{\"dall-e-3\":{\"sizes\":[\"1024x1024\",\"1792:1024\"]},"
                        "\"flux\":{},\"gpt-image-1\":{\"files\":16}}}]",
                        &err),
             SY_OK);
    T_EQ_INT(cfg.providers[0].n_images, 3);
    T_EQ_INT(cfg.providers[0].images[0].files, 0);
    T_EQ_INT(cfg.providers[0].images[2].files, 16);
    T_EQ_STR(cfg.providers[0].images[0].model, "dall-e-3");
    T_EQ_INT(cfg.providers[0].images[0].n_sizes, 2);
    T_EQ_INT(cfg.providers[0].images[0].width[1], 1792);
    T_EQ_INT(cfg.providers[0].images[0].height[1], 1024);
    T_EQ_INT(cfg.providers[0].images[1].n_sizes, 0);

    /* Speech models: their task, and the voices (OpenAI's unless given). */
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"x\",\"kind\":\"openai\",\"base_url\":\"http://h/v1\","
                        "\"audio\":{\"tts-1\":{\"task\":\"text-to-speech\"},"
                        "\"mine\":{\"task\":\"text-to-speech\",\"voices\":[\"a\",\"b\"]},"
                        "\"whisper-1\":{\"task\":\"automatic-speech-recognition\"}}}]",
                        &err),
             SY_OK);
    T_EQ_INT(cfg.providers[0].n_audio, 3);
    T_EQ_INT(cfg.providers[0].audio[0].task, SY_TASK_TEXT_TO_SPEECH);
    T_CONTAINS(cfg.providers[0].audio[0].voices, "alloy");
    T_EQ_STR(cfg.providers[0].audio[1].voices, "a,b");
    T_EQ_INT(cfg.providers[0].audio[2].task, SY_TASK_AUTOMATIC_SPEECH_RECOGNITION);
    T_EQ_STR(cfg.providers[0].audio[2].voices, "");

    /* Video models: their sizes and lengths; the job's pace and deadline. */
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"x\",\"kind\":\"openai\",\"base_url\":\"http://h/v1\","
                        "\"videos\":{\"sora-2\":{\"sizes\":[\"1280x720\"],\"seconds\":[4,8]},"
                        "\"any\":{}},\"poll_interval_ms\":250,\"job_timeout\":60}]",
                        &err),
             SY_OK);
    T_EQ_INT(cfg.providers[0].n_videos, 2);
    T_EQ_INT(cfg.providers[0].videos[0].n_sizes, 1);
    T_EQ_INT(cfg.providers[0].videos[0].width[0], 1280);
    T_EQ_INT(cfg.providers[0].videos[0].n_seconds, 2);
    T_EQ_INT(cfg.providers[0].videos[0].seconds[1], 8);
    T_EQ_INT(cfg.providers[0].videos[1].n_seconds, 0);
    T_EQ_INT(cfg.providers[0].poll_interval_ms, 250);
    T_EQ_INT(cfg.providers[0].job_timeout_s, 60);
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"x\",\"kind\":\"openai\",\"base_url\":\"http://h/v1\"}]",
                        &err),
             SY_OK);
    T_EQ_INT(cfg.providers[0].poll_interval_ms, 2000);
    T_EQ_INT(cfg.providers[0].job_timeout_s, 1800);

    /* Hugging Face Inference Providers: the router unless told otherwise. */
    T_EQ_INT(config_set(&cfg, "providers",
                        "[{\"name\":\"hf\",\"kind\":\"hf\",\"api_key_env\":\"HF_TOKEN\","
                        "\"images\":{\"black-forest-labs/FLUX.1-schnell\":{}}}]",
                        &err),
             SY_OK);
    T_EQ_STR(cfg.providers[0].base_url, "https://router.huggingface.co");
    T_EQ_INT(cfg.providers[0].n_images, 1);

    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"{}", "providers"},
        {"[{\"kind\":\"openai\",\"base_url\":\"http://h\"}]", "'name' is required"},
        {"[{\"name\":\"Work\",\"kind\":\"openai\",\"base_url\":\"http://h\"}]", "[a-z0-9_-]"},
        {"[{\"name\":\"w\",\"kind\":\"smtp\",\"base_url\":\"http://h\"}]", "'kind'"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"file:///etc\"}]", "http://"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://u:p@h/v1\"}]",
         "credentials"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h/v1?k=1\"}]", "query"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\",\"timeout\":0}]",
         "timeout"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\",\"key\":\"s\"}]",
         "unknown key 'key'"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\"},"
         "{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://i\"}]",
         "used twice"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"images\":{\"m\":{\"sizes\":[\"1024\"]}}}]",
         "images.m.sizes[0]"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"images\":{\"m\":{\"size\":[]}}}]",
         "images.m must be"},
        {"[{\"name\":\"w\",\"kind\":\"ollama\",\"base_url\":\"http://h\","
         "\"images\":{\"m\":{}}}]",
         "kind \"openai\" or \"hf\""},
        {"[{\"name\":\"w\",\"kind\":\"openai\"}]", "'base_url' is required"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"images\":{\"m\":{\"files\":17}}}]",
         "0 to 16 reference images"},
        {"[{\"name\":\"w\",\"kind\":\"hf\",\"images\":{\"m\":{\"files\":1}}}]",
         "images.m.files needs kind"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"audio\":{\"m\":{\"task\":\"text-to-image\"}}}]",
         "audio.m must be"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"audio\":{\"m\":{\"task\":\"automatic-speech-recognition\",\"voices\":[\"a\"]}}}]",
         "audio.m must be"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"audio\":{\"m\":{\"task\":\"text-to-speech\",\"voices\":[]}}}]",
         "at least one voice"},
        {"[{\"name\":\"w\",\"kind\":\"ollama\",\"base_url\":\"http://h\","
         "\"audio\":{\"m\":{\"task\":\"text-to-speech\"}}}]",
         "'audio' needs kind"},
        {"[{\"name\":\"w\",\"kind\":\"hf\",\"videos\":{\"m\":{}}}]", "'videos' needs kind"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"videos\":{\"m\":{\"seconds\":[0]}}}]",
         "videos.m.seconds[0]"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"videos\":{\"m\":{\"sizes\":[\"wide\"]}}}]",
         "videos.m.sizes[0]"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"videos\":{\"m\":{\"fps\":24}}}]",
         "videos.m must be"},
        {"[{\"name\":\"w\",\"kind\":\"openai\",\"base_url\":\"http://h\","
         "\"poll_interval_ms\":10}]",
         "'poll_interval_ms'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        T_EQ_INT(config_set(&cfg, "providers", bad[i].json, &err), SY_EINVAL);
        T_CONTAINS(err.msg, bad[i].needle);
    }
}

int main(void)
{
    T_RUN(test_defaults);
    T_RUN(test_file_then_flags);
    T_RUN(test_errors_name_the_key);
    T_RUN(test_residency_keys);
    T_RUN(test_providers);
    return t_done();
}
