/// Settings for ``EventHTTPServer``: listeners and the limits that protect the loop thread.
///
/// Every limit has a default suited to EventBridge API destinations (which give up on a request
/// after 5 s) and to a small admin API.
public struct HTTPServerConfiguration: Sendable {
    /// One bound socket with its own router, e.g. `"public"` on `0.0.0.0:8080` and `"admin"`
    /// on `127.0.0.1:9090`.
    public struct Listener: Sendable {
        /// Unique among the listeners; reported in ``HTTPRequest/listenerName`` and logs.
        public var name: String
        /// A numeric address or a name `getaddrinfo` resolves (`"127.0.0.1"`, `"::1"`, `"0.0.0.0"`).
        public var host: String
        /// `0` picks an ephemeral port; ``EventHTTPServer/start()`` reports the bound one.
        public var port: Int
        public var router: Router

        public init(name: String, host: String, port: Int, router: Router) {
            self.name = name
            self.host = host
            self.port = port
            self.router = router
        }
    }

    public var listeners: [Listener]
    /// Largest request body a handler sees; larger bodies get a 413 problem.
    ///
    /// evhttp itself reads bodies up to ``bodyReadCap`` (4 × this) so that we can answer a
    /// slightly-too-large body with our own problem document; a body over that cap gets
    /// evhttp's own `text/html` 413 and the connection is closed (libevent 2.1 offers no hook
    /// to replace that page).
    public var maxBodySize: Int = 1 << 20
    /// Request line plus headers; over it evhttp answers 400 and closes the connection.
    public var maxHeadersSize: Int = 16 << 10
    /// evhttp's read/write timeout, which is also the keep-alive idle timeout: a slow or idle
    /// client cannot hold a connection longer than this.
    public var connectionTimeout: Duration = .seconds(10)
    /// If a handler has not replied within this time the client gets a 503 problem and the
    /// handler's late reply is dropped (no evhttp timeout runs while a reply is pending).
    public var replyDeadline: Duration = .seconds(4)
    /// Requests handed to handlers and not yet answered; beyond it new requests get an
    /// immediate 503 with `Retry-After`.
    public var maxPendingRequests: Int = 4096
    /// How long ``EventHTTPServer/shutdown()`` lets in-flight requests finish.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// `listen(2)` backlog of each listener.
    public var listenBacklog: Int = 1024
    /// `Retry-After` seconds sent with overload and shutdown 503s.
    public var retryAfterSeconds: Int = 1
    /// The largest body an ``HTTPLoopHandler`` gets on the loop thread itself; a larger one runs
    /// that handler on a task, so that decoding it does not hold up the other connections. 16 KiB
    /// takes an EventBridge event (2–4 KiB as ECS sends them) with room to spare.
    public var loopHandlerBodyLimit: Int = 16 << 10

    public init(listeners: [Listener]) {
        self.listeners = listeners
    }

    /// The body size evhttp itself enforces (see ``maxBodySize``).
    public var bodyReadCap: Int {
        let (product, overflow) = maxBodySize.multipliedReportingOverflow(by: 4)
        return overflow ? Int.max : product
    }
}
