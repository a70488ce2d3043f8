/* until_signalled.h -- for the test servers run as processes
 * (switchyard-test-hub, switchyard-test-images): serve until told to stop. */
#ifndef SY_TEST_UNTIL_SIGNALLED_H
#define SY_TEST_UNTIL_SIGNALLED_H

/* Blocks SIGTERM and SIGINT in the calling thread and waits for one of them.
 * A server thread started earlier does not block them, so the signal may
 * end the process there instead: either way it stops. */
void until_signalled(void);

#endif
