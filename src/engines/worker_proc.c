/* worker_proc.c -- posix_spawn-based worker start and reaping. */
#include "engines/worker_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/fault.h"

extern char **environ;

#define WORKER_FD 3

sy_code worker_proc_spawn(char *const argv[], struct worker_proc *out, struct sy_err *err)
{
    out->pid = 0;
    out->fd = -1;
    if (access(argv[0], X_OK) != 0)
        return sy_errf(err, SY_EIO, "worker executable %s cannot be run: %s", argv[0],
                       strerror(errno));
    if (fault_hit(strstr(argv[0], "switchyard-llama") ? "worker.spawn.llama"
                                                       : "worker.spawn.speech"))
        return sy_errf(err, SY_EIO, "starting %s failed: %s (injected)", argv[0],
                       strerror(EAGAIN));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return sy_errf(err, SY_EIO, "socketpair failed: %s", strerror(errno));
    /* dup2(fd, fd) would leave CLOEXEC set, so the child's end must not be 3. */
    if (sv[1] == WORKER_FD) {
        int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, WORKER_FD + 1);
        close(sv[1]);
        sv[1] = moved;
        if (moved < 0) {
            close(sv[0]);
            return sy_errf(err, SY_EIO, "fcntl failed: %s", strerror(errno));
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, sv[1], WORKER_FD);
    /* Nothing else of ours may live on in the worker: a descriptor libcurl
     * (or any library) opened without close-on-exec would keep a socket open
     * after we close it -- an upstream would never see a cancelled transfer
     * hang up. */
    posix_spawn_file_actions_addclosefrom_np(&fa, WORKER_FD + 1);
    /* The worker must not inherit our signal handlers' effects (SIGPIPE ignored
     * is fine to keep; SIGTERM/SIGINT must be default so we can stop it). */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t def, none;
    sigemptyset(&def);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGINT);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        return sy_errf(err, SY_EIO, "starting %s failed: %s", argv[0], strerror(rc));
    }
    out->pid = pid;
    out->fd = sv[0];
    return SY_OK;
}

void worker_proc_close_socket(struct worker_proc *w)
{
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
}

static void describe_status(int status, char *how, size_t how_size)
{
    if (WIFEXITED(status))
        snprintf(how, how_size, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, how_size, "was killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(how, how_size, "ended with wait status %d", status);
}

void worker_proc_reap(struct worker_proc *w, int timeout_ms, char *how, size_t how_size)
{
    if (how_size)
        how[0] = '\0';
    if (w->pid <= 0)
        return;
    int status = 0;
    struct timespec step = {0, 10 * 1000 * 1000};
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(w->pid, &status, WNOHANG);
        if (r == w->pid)
            break;
        if (r < 0 && errno != EINTR) {
            snprintf(how, how_size, "could not be waited for: %s", strerror(errno));
            w->pid = 0;
            return;
        }
        if (waited >= timeout_ms) {
            kill(w->pid, SIGKILL);
            while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        nanosleep(&step, NULL);
    }
    describe_status(status, how, how_size);
    w->pid = 0;
}

void worker_proc_signal(const struct worker_proc *w, int sig)
{
    if (w->pid > 0)
        kill(w->pid, sig);
}
