import Foundation

extension ConsulError {
    /// Maps a non-2xx answer of Consul to a typed error.
    ///
    /// Consul 1.8 answers 403 with the body `ACL not found` for an unknown token (the caller's, or the
    /// one read) and `Permission denied` when a valid token lacks the right; consul-ecs tells them apart
    /// by the same strings.
    /// - Parameters:
    ///   - status: HTTP status code (expected outside 200...299).
    ///   - body: the response body as text.
    ///   - method: HTTP method of the call.
    ///   - path: request path without query.
    public init(status: Int, body: String, method: String, path: String) {
        let message = body.trimmingCharacters(in: .whitespacesAndNewlines)
        let code: Code
        switch status {
        case 403 where message.localizedCaseInsensitiveContains("ACL not found"):
            code = .aclNotFound
        case 403:
            code = .permissionDenied
        case 404:
            code = .notFound
        case 400:
            code = .badRequest
        case 429:
            code = .tooManyRequests
        case 500...599:
            code = .server
        default:
            code = .unexpectedStatus
        }
        self.init(code: code, status: status, method: method, path: path, message: message)
    }
}
