#ifndef CLIBEVENT_SHIM_H
#define CLIBEVENT_SHIM_H
// These system headers must come before the event2 headers: without them a clean build fails with
// "'__fds_bits' from module 'CDispatch' is not present in definition of 'fd_set'" (see DESIGN.md).
#include <sys/types.h>
#include <sys/time.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <sys/prctl.h>

/// Names the calling thread (Swift cannot call the variadic prctl, and glibc hides
/// pthread_setname_np without _GNU_SOURCE). Names longer than 15 bytes are truncated.
static inline void clibevent_set_current_thread_name(const char *name) {
    prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#endif
