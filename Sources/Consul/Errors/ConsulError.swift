public import ErrorClassification

/// A failed Consul call: what Consul (or the network) said, and which call it was.
///
/// Consul answers errors as `text/plain` bodies with a status code; ``ConsulError/init(status:body:method:path:)``
/// turns them into a ``Code``. The struct wraps a private enum so codes can be added without breaking
/// `switch`es in callers (the `ServiceGroupError` / `PersistError` pattern).
///
/// Never carries a token secret: the path holds at most an accessor ID, and Consul's messages do not
/// echo the `X-Consul-Token` header.
public struct ConsulError: Error, Sendable, CustomStringConvertible, TransientClassifiable {
    /// What went wrong, comparable with `==` against the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case aclNotFound, permissionDenied, notFound, badRequest, tooManyRequests
            case server, unexpectedStatus, unavailable, invalidResponse, cancelled, fenced
        }

        fileprivate let base: Base

        /// 403 "ACL not found": the token used is unknown, or the ACL object read does not exist.
        public static let aclNotFound = Code(base: .aclNotFound)
        /// 403 "Permission denied": the token is valid but its policies do not allow the call.
        public static let permissionDenied = Code(base: .permissionDenied)
        /// 404: no such endpoint or object.
        public static let notFound = Code(base: .notFound)
        /// 400: Consul rejected the request; ``ConsulError/message`` holds Consul's reason.
        public static let badRequest = Code(base: .badRequest)
        /// 429: Consul's rate limiter refused the call.
        public static let tooManyRequests = Code(base: .tooManyRequests)
        /// 5xx: Consul failed (no leader, raft apply failed, ...).
        public static let server = Code(base: .server)
        /// Any other non-2xx status.
        public static let unexpectedStatus = Code(base: .unexpectedStatus)
        /// No answer: connection refused, reset, TLS failure or the deadline passed. Consul may be down.
        public static let unavailable = Code(base: .unavailable)
        /// A 2xx whose body could not be decoded.
        public static let invalidResponse = Code(base: .invalidResponse)
        /// The calling task was cancelled before Consul answered.
        public static let cancelled = Code(base: .cancelled)
        /// Not sent: the client's write gate refused it (``ConsulClient/writeGate``), e.g. a replica
        /// that no longer leads. Retryable: the write belongs to whoever may write now.
        public static let fenced = Code(base: .fenced)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// HTTP status, or `nil` when no response arrived (``Code/unavailable``).
    public let status: Int?
    /// HTTP method of the failed call, e.g. `PUT`.
    public let method: String
    /// Request path without query, e.g. `/v1/acl/token`.
    public let path: String
    /// Consul's text (trimmed, at most ``maxMessageLength`` characters) or a description of the transport error.
    public let message: String
    /// The transport or decoding error behind ``Code/unavailable`` / ``Code/invalidResponse``.
    public let underlying: (any Error)?

    /// Consul's error bodies are short; anything longer is cut so that logs stay readable.
    public static let maxMessageLength = 512

    public init(
        code: Code, status: Int?, method: String, path: String, message: String,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.status = status
        self.method = method
        self.path = path
        self.message = String(message.prefix(Self.maxMessageLength))
        self.underlying = underlying
    }

    /// True when repeating the same call later may succeed: 5xx, 429, ``Code/unavailable`` and
    /// ``Code/fenced`` (the leader of the moment makes it).
    public var isRetryable: Bool {
        switch code.base {
        case .server, .tooManyRequests, .unavailable, .fenced: true
        case .aclNotFound, .permissionDenied, .notFound, .badRequest, .unexpectedStatus, .invalidResponse, .cancelled:
            false
        }
    }

    /// The work queue's class of this failure (one home: here, beside the codes).
    ///
    /// Transient: 5xx (Consul's "No cluster leader", a failed raft apply), 429, no answer at all
    /// (connection refused or reset, TLS failure, the deadline passed: Consul is down or hung),
    /// a 2xx whose body was cut off, 408, a cancelled call, and a write this replica's lease
    /// kept off the wire (``Code/fenced``). Permanent: 403 "ACL not found" and
    /// "Permission denied" (the token or its policy must change), 400 (Consul's validation), 404,
    /// and any other answered status.
    public var isTransient: Bool {
        switch code.base {
        case .server, .tooManyRequests, .unavailable, .invalidResponse, .cancelled, .fenced: true
        case .aclNotFound, .permissionDenied, .notFound, .badRequest: false
        case .unexpectedStatus: status == nil || status == 408
        }
    }

    /// True when Consul says the object does not exist (404, or 403 "ACL not found" on an ACL read).
    public var isNotFound: Bool { code == .notFound || code == .aclNotFound }

    public var description: String {
        let statusText = status.map { " \($0)" } ?? ""
        return "Consul \(method) \(path) failed (\(code)\(statusText)): \(message)"
    }
}
