/*
 * The C ceiling for the HTTP server: plain libevent evhttp on one thread answering every POST
 * with 202 and `{}`, nothing stored. It uses the same evhttp settings as Sources/HTTPServer
 * (header and body limits, timeout, no default content type, allowed methods, lingering close,
 * backlog 1024 via evconnlistener_new_bind, TCP_NODELAY), so the Swift server's figures can be
 * read as a fraction of it.
 *
 *   cc -O2 evhttp_ceiling.c -levent -o evhttp_ceiling && ./evhttp_ceiling 18081
 *
 * Prints "listening on PORT" once bound (port 0 picks a free one).
 */
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/keyvalq_struct.h>

#define MAX_BODY_SIZE (4 * (1 << 20)) /* HTTPServerConfiguration.bodyReadCap: 4 x 1 MiB */
#define MAX_HEADERS_SIZE (16 << 10)
#define TIMEOUT_SECONDS 10
#define BACKLOG 1024

static void on_request(struct evhttp_request *req, void *arg) {
    (void)arg;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_send_reply(req, 405, NULL, NULL);
        return;
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "application/json");
    evbuffer_add(evhttp_request_get_output_buffer(req), "{}", 2);
    evhttp_send_reply(req, 202, NULL, NULL);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    signal(SIGPIPE, SIG_IGN);

    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    if (!base || !http) { fprintf(stderr, "libevent setup failed\n"); return 1; }
    evhttp_set_max_headers_size(http, MAX_HEADERS_SIZE);
    evhttp_set_max_body_size(http, MAX_BODY_SIZE);
    struct timeval timeout = { TIMEOUT_SECONDS, 0 };
    evhttp_set_timeout_tv(http, &timeout);
    evhttp_set_default_content_type(http, NULL);
    evhttp_set_allowed_methods(http, 0x01FF | 0x8000);
    evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
    evhttp_set_gencb(http, on_request, NULL);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((unsigned short)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct evconnlistener *listener = evconnlistener_new_bind(
        base, NULL, NULL, LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
        BACKLOG, (struct sockaddr *)&sin, sizeof sin);
    if (!listener) { perror("bind"); return 1; }
    int on = 1;
    setsockopt(evconnlistener_get_fd(listener), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    if (!evhttp_bind_listener(http, listener)) { fprintf(stderr, "evhttp_bind_listener failed\n"); return 1; }

    struct sockaddr_in bound;
    socklen_t length = sizeof bound;
    getsockname(evconnlistener_get_fd(listener), (struct sockaddr *)&bound, &length);
    printf("listening on %d\n", ntohs(bound.sin_port));
    fflush(stdout);

    event_base_dispatch(base);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
