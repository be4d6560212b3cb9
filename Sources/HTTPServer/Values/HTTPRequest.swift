import ByteCoding

/// One HTTP request, copied off the libevent loop so that it can cross threads freely.
///
/// The server builds it on the loop thread (one copy of the body out of evhttp's buffer) and
/// hands it to a handler running off the loop. Nothing here points back into libevent.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The percent-decoded path, without the query.
    public var path: String
    /// The raw query string (after `?`, before `#`), or `nil` if the target had no `?`.
    public var query: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Taken from `X-Request-Id` when it is sane (1–128 printable ASCII), else generated.
    /// Every response echoes it.
    public var requestID: String
    /// The peer as `host:port` (`[v6]:port` for IPv6).
    public var remoteAddress: String
    /// The ``HTTPServerConfiguration/Listener/name`` the request arrived on.
    public var listenerName: String
    /// Values of the `{name}` segments of the matched route; filled by ``Router``.
    public var pathParameters: [String: String]

    /// Creates a request value directly, e.g. to call a ``Router`` in-process in tests.
    public init(
        method: HTTPMethod = .get,
        path: String = "/",
        query: String? = nil,
        headers: HTTPHeaders = [:],
        body: [UInt8] = [],
        requestID: String = RequestIDGenerator.randomID(),
        remoteAddress: String = "",
        listenerName: String = "",
        pathParameters: [String: String] = [:]
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.requestID = requestID
        self.remoteAddress = remoteAddress
        self.listenerName = listenerName
        self.pathParameters = pathParameters
    }

    /// The query's `name=value` pairs, percent-decoded (`+` reads as a space).
    ///
    /// A name without `=` maps to `""` (so `?pretty` gives `["pretty": ""]`); when a name
    /// repeats, the first value wins. Parsed on each access: read it once per request.
    public var queryItems: [String: String] {
        guard let query, !query.isEmpty else { return [:] }
        var items: [String: String] = [:]
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.decode(parts[0], plusAsSpace: true)
            guard !name.isEmpty else { continue }
            let value = parts.count > 1 ? PercentEncoding.decode(parts[1], plusAsSpace: true) : ""
            if items[name] == nil {
                items[name] = value
            }
        }
        return items
    }
}
