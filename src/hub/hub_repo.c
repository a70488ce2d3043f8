/* hub_repo.c -- the checks behind every Hub id and path that touches the disk. */
#include "hub/hub_repo.h"

#include <stdio.h>
#include <string.h>

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool repo_part_ok(const char *p, size_t n)
{
    if (n == 0 || n > 96 || !is_alnum(p[0]) || !is_alnum(p[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
            return false;
        if (i > 0 && ((c == '-' && p[i - 1] == '-') || (c == '.' && p[i - 1] == '.')))
            return false;
    }
    return true;
}

sy_code hub_repo_check(const char *repo, struct sy_err *err)
{
    const char *slash = strchr(repo, '/');
    bool ok = slash ? repo_part_ok(repo, (size_t)(slash - repo)) &&
                          repo_part_ok(slash + 1, strlen(slash + 1))
                    : repo_part_ok(repo, strlen(repo));
    if (!ok)
        return sy_errp(err, SY_EINVAL, "model",
                       "'%.200s' is not a Hugging Face model id: use org/name (letters, digits, "
                       "'.', '_' and '-', at most 96 each, no '--' or '..')",
                       repo);
    return SY_OK;
}

sy_code hub_path_check(const char *path, struct sy_err *err)
{
    size_t n = strlen(path);
    bool ok = n > 0 && n <= SY_HUB_PATH_MAX && path[0] != '/';
    const char *seg = path;
    for (size_t i = 0; ok && i <= n; i++) {
        char c = path[i];
        if (c == '/' || c == '\0') {
            size_t len = (size_t)(path + i - seg);
            ok = len > 0 && !(len == 1 && seg[0] == '.') &&
                 !(len == 2 && seg[0] == '.' && seg[1] == '.');
            seg = path + i + 1;
        } else if ((unsigned char)c < 0x20 || c == 0x7f || c == '\\') {
            ok = false;
        }
    }
    if (!ok)
        return sy_errp(err, SY_EINVAL, "file",
                       "'%.200s' is not a file path inside a repository (relative, no empty, "
                       "'.' or '..' parts, no backslashes or control characters)",
                       path);
    return SY_OK;
}

bool hub_etag_ok(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > SY_HUB_ETAG_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(text[i]) && text[i] != '_' && text[i] != '-')
            return false;
    return true;
}

bool hub_commit_ok(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > SY_HUB_COMMIT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
            return false;
    return true;
}

bool hub_repo_folder(const char *repo, char *out, size_t size)
{
    const char *slash = strchr(repo, '/');
    int n = slash ? snprintf(out, size, "models--%.*s--%s", (int)(slash - repo), repo, slash + 1)
                  : snprintf(out, size, "models--%s", repo);
    return n > 0 && (size_t)n < size;
}

bool hub_repo_from_folder(const char *folder, char *out, size_t size)
{
    if (strncmp(folder, "models--", 8) != 0)
        return false;
    const char *rest = folder + 8;
    const char *sep = strstr(rest, "--");
    int n = sep ? snprintf(out, size, "%.*s/%s", (int)(sep - rest), rest, sep + 2)
                : snprintf(out, size, "%s", rest);
    return n > 0 && (size_t)n < size && hub_repo_check(out, NULL) == SY_OK;
}
