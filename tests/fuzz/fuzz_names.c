/* fuzz_names.c -- libFuzzer entry point for names that become paths or
 * routes: model ids ([provider:]model[@variant]), Hub repository ids and
 * file paths inside a repository.
 *
 * A name the checks accept must never be able to leave the Hub cache: no
 * "..", no leading '/', no NUL, no backslash. Built and run by scripts/fuzz.sh. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/model_id.h"
#include "hub/hub_repo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No absolute path, no backslash, no empty, "." or ".." segment. */
static void must_stay_inside(const char *s)
{
    if (s[0] == '/' || strchr(s, '\\'))
        abort();
    for (const char *seg = s;;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            abort();
        if (!seg[len])
            break;
        seg += len + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct model_id id;
    if (model_id_parse(text, &id, NULL) == SY_OK && hub_repo_check(id.name, NULL) == SY_OK)
        must_stay_inside(id.name);
    if (hub_repo_check(text, NULL) == SY_OK) {
        must_stay_inside(text);
        char folder[512], back[512];
        if (hub_repo_folder(text, folder, sizeof folder) &&
            (!hub_repo_from_folder(folder, back, sizeof back) || strcmp(back, text) != 0))
            abort(); /* the cache folder name must map back to the same repository */
    }
    if (hub_path_check(text, NULL) == SY_OK)
        must_stay_inside(text);
    free(text);
    return 0;
}
