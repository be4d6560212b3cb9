import Crypto
public import HTTPServer

/// Guards the admin listener: `Authorization: Bearer <admin token>`.
///
/// Like ``WebhookAuthenticator``, both sides are hashed with SHA-256 and the digests compared in
/// constant time, so neither the token's content nor its length leaks through timing. Without a
/// configured token the admin API is closed, not open: every guarded route answers 503 and says
/// which key to set (refusing to start would also stop the public ingest, which needs no admin).
public struct AdminAuthenticator: Sendable {
    private let tokenDigest: [UInt8]?

    /// - Parameter token: The admin token, or `nil` when none is configured.
    public init(token: String?) {
        self.tokenDigest = token.map { Array(SHA256.hash(data: Array($0.utf8))) }
    }

    /// Whether a token is configured at all.
    public var isConfigured: Bool { tokenDigest != nil }

    /// - Returns: `true` when the request carries the configured bearer token.
    public func isAuthorized(_ headers: HTTPHeaders) -> Bool {
        guard let tokenDigest, let authorization = headers["authorization"] else { return false }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let presented = Array(SHA256.hash(data: Array(parts[1].trimmingCharacters(in: " \t").utf8)))
        return ConstantTime.equal(presented, tokenDigest)
    }

    /// Wraps `handler` so that it runs only for requests with the admin token.
    /// - Returns: A handler answering 503 without a configured token, 401 without the right one.
    public func protect(_ handler: @escaping HTTPHandler) -> HTTPHandler {
        let authenticator = self
        return { request in
            guard authenticator.isConfigured else {
                return .problem(status: 503, title: "Admin API disabled",
                                detail: "no admin token is configured: set admin.token or admin.tokenFile (MESH_ADMIN_TOKEN, MESH_ADMIN_TOKEN_FILE)",
                                extra: ["type": ProblemMapping.problemBase + "admin-disabled"])
            }
            guard authenticator.isAuthorized(request.headers) else {
                return .problem(status: 401, title: "Unauthorized",
                                detail: "send the admin token as Authorization: Bearer <token>",
                                extra: ["type": ProblemMapping.problemBase + "unauthorized"],
                                headers: ["WWW-Authenticate": "Bearer realm=\"ecs-mesh-controller admin\""])
            }
            return await handler(request)
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return slice
    }
}
