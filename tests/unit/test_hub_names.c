/* test_hub_names.c -- Hub ids and paths that may touch the disk, cache folder
 * names, quantisation labels and the choice of a repository's GGUF file. */
#include <string.h>

#include "hub/gguf_choice.h"
#include "hub/hub_repo.h"
#include "t.h"

static void test_repo_ids(void)
{
    T_EQ_INT(hub_repo_check("bartowski/SmolLM2-135M-Instruct-GGUF", NULL), SY_OK);
    T_EQ_INT(hub_repo_check("gpt2", NULL), SY_OK);
    T_EQ_INT(hub_repo_check("Qwen/Qwen2.5-0.5B-Instruct", NULL), SY_OK);
    static const char *const bad[] = {"", "/name", "org/", "org/name/extra", "../etc",
                                      "org/..", "org/a..b", "org--x/name", "org/na me",
                                      "-org/name", "org/name.", "org/%2e%2e"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sy_err err;
        T_EQ_INT(hub_repo_check(bad[i], &err), SY_EINVAL);
        T_EQ_STR(err.param, "model");
    }
}

static void test_paths(void)
{
    T_EQ_INT(hub_path_check("model-Q8_0.gguf", NULL), SY_OK);
    T_EQ_INT(hub_path_check("sub/dir/model.gguf", NULL), SY_OK);
    static const char *const bad[] = {"", "/abs.gguf", "../x.gguf", "a/../b", "a//b", "a/./b",
                                      "a\\b", "a\nb", "a/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_EQ_INT(hub_path_check(bad[i], NULL), SY_EINVAL);
    T_ASSERT(hub_etag_ok("2d0a1e2f7c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f"));
    T_ASSERT(!hub_etag_ok("../../x"));
    T_ASSERT(!hub_etag_ok("\"abc\""));
    T_ASSERT(hub_commit_ok("0123456789abcdef0123456789abcdef01234567"));
    T_ASSERT(!hub_commit_ok("main"));
}

static void test_folders(void)
{
    char folder[256], repo[256];
    T_ASSERT(hub_repo_folder("org/name", folder, sizeof folder));
    T_EQ_STR(folder, "models--org--name");
    T_ASSERT(hub_repo_from_folder(folder, repo, sizeof repo));
    T_EQ_STR(repo, "org/name");
    T_ASSERT(hub_repo_folder("gpt2", folder, sizeof folder));
    T_EQ_STR(folder, "models--gpt2");
    T_ASSERT(!hub_repo_from_folder("datasets--org--name", repo, sizeof repo));
    T_ASSERT(!hub_repo_from_folder("models--..--x", repo, sizeof repo));
}

static void test_labels(void)
{
    static const char *const cases[][2] = {
        {"SmolLM2-135M-Instruct-Q8_0.gguf", "Q8_0"},
        {"qwen2.5-0.5b-instruct-q4_k_m.gguf", "Q4_K_M"},
        {"Llama-3.2-1B.IQ2_XXS.gguf", "IQ2_XXS"},
        {"sub/model-f16-00001-of-00002.gguf", "F16"},
        {"model.gguf", ""},
        {"Q4-notes.txt", ""},
        {"ggml-base.en.bin", "base.en"}, /* whisper.cpp: the size name, not a quantisation */
        {"ggml-large-v3-turbo-q5_0.bin", "large-v3-turbo-q5_0"},
        {"pytorch_model.bin", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char label[32];
        gguf_label_from_name(cases[i][0], label, sizeof label);
        T_EQ_STR(label, cases[i][1]);
    }
    int shard, of;
    T_ASSERT(gguf_model_file("m-00002-of-00003.gguf", &shard, &of));
    T_EQ_INT(shard, 2);
    T_EQ_INT(of, 3);
    T_ASSERT(!gguf_model_file("mmproj-model-f16.gguf", &shard, &of));
    T_ASSERT(!gguf_model_file("README.md", &shard, &of));
    T_ASSERT(gguf_model_file("ggml-tiny.en.bin", &shard, &of) && shard == 1 && of == 1);
    T_ASSERT(gguf_whisper_file("sub/ggml-tiny.en.bin"));
    T_ASSERT(!gguf_whisper_file("pytorch_model.bin"));
    T_ASSERT(!gguf_model_file("pytorch_model.bin", &shard, &of));
}

static const char *const repo_files[] = {
    "README.md",          "m-Q8_0.gguf",       "m-Q4_0.gguf", "m-Q2_K.gguf",
    "mmproj-m-f16.gguf",  "big/m-F16-00002-of-00002.gguf", "big/m-F16-00001-of-00002.gguf",
};
static const uint64_t repo_sizes[] = {10, 800, 450, 300, 200, 900, 900};
#define N_REPO (sizeof repo_files / sizeof repo_files[0])

static void test_choose(void)
{
    size_t chosen[8], n;
    char label[32];
    const char *why;
    /* No Q4_K_M: the smallest of Q8_0 / Q4 files, not the smaller Q2_K. */
    T_EQ_INT(gguf_choose(repo_files, repo_sizes, N_REPO, "", chosen, 8, &n, label, sizeof label,
                         &why, NULL),
             SY_OK);
    T_EQ_INT(n, 1);
    T_EQ_STR(repo_files[chosen[0]], "m-Q4_0.gguf");
    T_CONTAINS(why, "Q8_0 or Q4");

    /* A label picks its file, case-insensitively; a split model brings every shard in order. */
    T_EQ_INT(gguf_choose(repo_files, repo_sizes, N_REPO, "f16", chosen, 8, &n, label, sizeof label,
                         &why, NULL),
             SY_OK);
    T_EQ_INT(n, 2);
    T_EQ_STR(repo_files[chosen[0]], "big/m-F16-00001-of-00002.gguf");
    T_EQ_STR(repo_files[chosen[1]], "big/m-F16-00002-of-00002.gguf");
    T_EQ_STR(label, "F16");

    /* A file path picks that file. */
    T_EQ_INT(gguf_choose(repo_files, repo_sizes, N_REPO, "m-Q2_K.gguf", chosen, 8, &n, label,
                         sizeof label, &why, NULL),
             SY_OK);
    T_EQ_STR(repo_files[chosen[0]], "m-Q2_K.gguf");

    struct sy_err err;
    T_EQ_INT(gguf_choose(repo_files, repo_sizes, N_REPO, "Q5_K_M", chosen, 8, &n, label,
                         sizeof label, &why, &err),
             SY_ENOTFOUND);
    T_CONTAINS(err.msg, "Q8_0");
    T_CONTAINS(err.msg, "Q4_0");

    /* Only a projector: no model to run. */
    const char *only[] = {"mmproj-f16.gguf"};
    uint64_t one = 5;
    T_EQ_INT(gguf_choose(only, &one, 1, "", chosen, 8, &n, label, sizeof label, &why, &err),
             SY_ENOTFOUND);
    T_CONTAINS(err.msg, "no GGUF model file");
}

/* ggerganov/whisper.cpp: whisper base unless asked; a size name picks its file. */
static void test_choose_whisper(void)
{
    const char *files[] = {"README.md", "ggml-tiny.en.bin", "ggml-base.bin", "ggml-base.en.bin",
                           "ggml-base.en-q5_1.bin", "ggml-tiny-encoder.mlmodelc.zip"};
    uint64_t sizes[] = {1, 77, 147, 147, 60, 15};
    size_t chosen[8], n;
    char label[32];
    const char *why;
    struct sy_err err;
    T_EQ_INT(gguf_choose(files, sizes, 6, "", chosen, 8, &n, label, sizeof label, &why, NULL),
             SY_OK);
    T_EQ_STR(files[chosen[0]], "ggml-base.bin");
    T_CONTAINS(why, "whisper base");
    T_EQ_INT(gguf_choose(files, sizes, 6, "base.en-q5_1", chosen, 8, &n, label, sizeof label, &why,
                         NULL),
             SY_OK);
    T_EQ_STR(files[chosen[0]], "ggml-base.en-q5_1.bin");
    T_EQ_STR(label, "base.en-q5_1");
    T_EQ_INT(gguf_choose(files, sizes, 6, "small", chosen, 8, &n, label, sizeof label, &why, &err),
             SY_ENOTFOUND);
    T_CONTAINS(err.msg, "tiny.en, base, base.en, base.en-q5_1");
}

static void test_missing_shard(void)
{
    const char *files[] = {"m-Q8_0-00001-of-00003.gguf", "m-Q8_0-00003-of-00003.gguf"};
    uint64_t sizes[] = {1, 1};
    size_t chosen[8], n;
    char label[32];
    const char *why;
    struct sy_err err;
    T_EQ_INT(gguf_choose(files, sizes, 2, "", chosen, 8, &n, label, sizeof label, &why, &err),
             SY_EINVAL);
    T_CONTAINS(err.msg, "2 of its 3 shards");
}

int main(void)
{
    T_RUN(test_repo_ids);
    T_RUN(test_paths);
    T_RUN(test_folders);
    T_RUN(test_labels);
    T_RUN(test_choose);
    T_RUN(test_choose_whisper);
    T_RUN(test_missing_shard);
    return t_done();
}
