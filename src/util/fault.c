/* fault.c -- the fault table, read once from SWITCHYARD_FAULTS. */
#include "util/fault.h"

#ifdef SY_FAULTS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define FAULTS_MAX 16

struct fault {
    char site[48];
    unsigned long nth;   /* the call that fails (1-based) */
    bool onwards;        /* and every later one */
    unsigned long calls; /* made so far */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fault faults[FAULTS_MAX];
static size_t n_faults;

static void load(void)
{
    const char *spec = getenv("SWITCHYARD_FAULTS");
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", spec ? spec : "");
    char *save = NULL;
    for (char *item = strtok_r(copy, ",", &save); item && n_faults < FAULTS_MAX;
         item = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(item, ':');
        struct fault *f = &faults[n_faults];
        if (!colon || colon == item || (size_t)(colon - item) >= sizeof f->site) {
            log_error("SWITCHYARD_FAULTS: '%s' is not site:N or site:N+", item);
            continue;
        }
        char *end;
        f->nth = strtoul(colon + 1, &end, 10);
        f->onwards = *end == '+';
        if (f->nth == 0 || (*end && strcmp(end, "+") != 0)) {
            log_error("SWITCHYARD_FAULTS: '%s' is not site:N or site:N+", item);
            continue;
        }
        memcpy(f->site, item, (size_t)(colon - item));
        f->site[colon - item] = '\0';
        log_warn("fault injection: call %lu%s of %s will fail", f->nth, f->onwards ? " on" : "",
                 f->site);
        n_faults++;
    }
}

bool fault_hit(const char *site)
{
    pthread_once(&once, load);
    bool hit = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n_faults; i++) {
        struct fault *f = &faults[i];
        if (strcmp(f->site, site) != 0)
            continue;
        f->calls++;
        hit = f->calls == f->nth || (f->onwards && f->calls > f->nth);
    }
    pthread_mutex_unlock(&lock);
    if (hit)
        log_warn("fault injection: %s fails now", site);
    return hit;
}
#endif
