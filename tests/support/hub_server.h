/* hub_server.h -- a Hugging Face Hub on loopback, for tests.
 *
 * Serves the documented routes over a directory of repositories
 * (<root>/<org>/<name>/<files>): model info (/api/models/{repo}/revision/{rev}
 * with LFS sizes and sha256), HEAD/GET /{repo}/resolve/{rev}/{path} answering
 * 302 with X-Repo-Commit, X-Linked-Etag and X-Linked-Size to a "CDN" on
 * another host name and port (localhost instead of 127.0.0.1), and the CDN's
 * bytes with Range and If-Range; small text files (.json, .md) are not in LFS
 * and come from resolve itself; model search (/api/models?search=&author=
 * &limit=) two models a page with Link rel="next"; expand[] narrows answers to
 * the fields named; ETags and 304 on API answers. A repository's hidden
 * .info.json adds fields to its info (pipeline_tag; inferenceProviderMapping
 * and inference only when expanded). It can misbehave on command, and counts
 * what it served. */
#ifndef SY_TEST_HUB_SERVER_H
#define SY_TEST_HUB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_COMMIT "5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2"
#define HUB_TOKEN "hf_test_token_for_gated_repos"

enum hub_fault {
    HUB_FAULT_DROP = 1 << 0,         /* the next file download stops halfway (once) */
    HUB_FAULT_IGNORE_RANGE = 1 << 1, /* answer 200 with everything to a Range request */
    HUB_FAULT_WRONG_BYTES = 1 << 2,  /* one byte in the middle of every file is wrong */
    HUB_FAULT_GATED = 1 << 3,        /* resolve answers 401 GatedRepo unless given HUB_TOKEN */
    HUB_FAULT_DOWN = 1 << 4,         /* the API answers 503 */
    HUB_FAULT_RATE_LIMIT = 1 << 5,   /* the API answers 429 */
    HUB_FAULT_HOSTILE = 1 << 6,      /* model info lists files named to escape the cache */
    HUB_FAULT_CDN_CHANGED = 1 << 7,  /* the CDN's object has another ETag than resolve says */
};

struct hub_server;

/* Starts serving root on a free loopback port. Returns NULL on failure. */
struct hub_server *hub_server_start(const char *root);

/* Writes a repo into root (before or while serving): <root>/<repo>/.info.json
 * holding info (JSON text) and a README. Returns 0 or -1. */
int hub_server_add_repo(const char *root, const char *repo, const char *info);
void hub_server_stop(struct hub_server *hs);

int hub_server_port(const struct hub_server *hs);
void hub_server_set_faults(struct hub_server *hs, unsigned faults);

/* CDN GETs answered, file bytes sent, and whether any CDN request carried an
 * Authorization header (the token must never leave the Hub's host). */
unsigned hub_server_downloads(const struct hub_server *hs);
uint64_t hub_server_bytes_sent(const struct hub_server *hs);
bool hub_server_cdn_saw_token(const struct hub_server *hs);

/* The Authorization header of the last request to the Hub itself ("" if none). */
void hub_server_last_authorization(struct hub_server *hs, char *out, size_t size);

/* Where the last CDN answer began: the Range honoured, 0 for a whole file. */
uint64_t hub_server_last_start(struct hub_server *hs);

/* The If-Range header of the last CDN request ("" if it had none). */
void hub_server_last_if_range(struct hub_server *hs, char *out, size_t size);

/* API requests answered (search and info), and how many of them were 304s. */
unsigned hub_server_api_requests(const struct hub_server *hs);
unsigned hub_server_not_modified(const struct hub_server *hs);

/* sha256 of a file as lowercase hex; false if it cannot be read. */
bool hub_sha256_file(const char *path, char hex[65]);

#endif
