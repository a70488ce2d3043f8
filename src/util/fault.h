/* fault.h -- making named calls fail on purpose, in test builds only.
 *
 * A site is a call that can fail in real life (spawning a worker, a SQLite
 * write, connecting to an upstream); it asks fault_hit("name") first and, if
 * told yes, fails the way the real call would. In test builds (SY_FAULTS, the
 * -asan variant) the environment variable SWITCHYARD_FAULTS lists what to
 * break: "site:N" fails the Nth call at that site, "site:N+" that call and
 * every later one (several entries separated by commas). In every other build
 * fault_hit is the constant false and costs nothing.
 * Sites: worker.spawn.llama, worker.spawn.speech, worker.stall, worker.read,
 * worker.write (the supervisor's socket to a worker breaks), runs.write,
 * upstream.connect, pull.write (a downloaded chunk meets a full disk),
 * sqlite.step (any statement of the run history or the Hub cache).
 * Thread-safety: fault_hit may be called from any thread. */
#ifndef SY_FAULT_H
#define SY_FAULT_H

#include <stdbool.h>

#ifdef SY_FAULTS
bool fault_hit(const char *site);
#else
#define fault_hit(site) ((void)(site), false)
#endif

#endif
