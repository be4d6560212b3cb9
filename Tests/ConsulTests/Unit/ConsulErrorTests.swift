import AsyncHTTPClient
@testable import Consul
import NIOCore
import Testing

struct ConsulErrorTests {
    /// Consul's status and text body map to the typed code callers branch on.
    @Test(arguments: [
        (403, "ACL not found", ConsulError.Code.aclNotFound),
        (403, "rpc error making call: ACL not found\n", .aclNotFound),
        (403, "Permission denied", .permissionDenied),
        (403, "rpc error making call: Permission denied", .permissionDenied),
        (404, "Not Found", .notFound),
        (400, "Request decode failed: json: unknown field \"Bogus\"", .badRequest),
        (429, "rate limit exceeded", .tooManyRequests),
        (500, "No cluster leader", .server),
        (503, "", .server),
        (302, "", .unexpectedStatus),
    ])
    func initStatusBody_whenConsulErrorAnswer_mapsCode(status: Int, body: String, code: ConsulError.Code) {
        // Given / When
        let error = ConsulError(status: status, body: body, method: "PUT", path: "/v1/acl/token")

        // Then
        #expect(error.code == code)
        #expect(error.status == status)
        #expect(error.method == "PUT")
        #expect(error.path == "/v1/acl/token")
    }

    /// A 400 keeps Consul's reason, trimmed, so the operator sees why.
    @Test func initStatusBody_whenBadRequest_keepsTrimmedMessage() {
        // Given / When
        let error = ConsulError(status: 400, body: "  Invalid Policy: A Policy with Name \"x\" already exists\n",
                                method: "PUT", path: "/v1/acl/policy")

        // Then
        #expect(error.message == "Invalid Policy: A Policy with Name \"x\" already exists")
        #expect(error.description.contains("badRequest 400"))
    }

    /// A huge body is cut so that errors stay loggable.
    @Test func initStatusBody_whenBodyHuge_truncatesMessage() {
        // Given / When
        let error = ConsulError(status: 500, body: String(repeating: "x", count: 10_000), method: "GET", path: "/")

        // Then
        #expect(error.message.count == ConsulError.maxMessageLength)
    }

    /// Only failures that may pass on their own are retryable.
    @Test(arguments: [
        (ConsulError.Code.server, true), (.tooManyRequests, true), (.unavailable, true),
        (.aclNotFound, false), (.permissionDenied, false), (.notFound, false), (.badRequest, false),
        (.invalidResponse, false), (.unexpectedStatus, false), (.cancelled, false),
    ])
    func isRetryable_whenCode_matchesPolicy(code: ConsulError.Code, retryable: Bool) {
        // Given
        let error = ConsulError(code: code, status: nil, method: "GET", path: "/v1/status/leader", message: "")

        // When / Then
        #expect(error.isRetryable == retryable)
    }

    /// Transport failures mean "Consul did not answer"; cancellation is reported as such.
    @Test func initTransport_whenNetworkOrCancel_mapsUnavailableOrCancelled() {
        // Given / When
        let refused = ConsulError(transport: HTTPClientError.connectTimeout, method: "GET", path: "/v1/a")
        let deadline = ConsulError(transport: HTTPClientError.deadlineExceeded, method: "GET", path: "/v1/a")
        let cancelled = ConsulError(transport: CancellationError(), method: "GET", path: "/v1/a")
        let clientCancelled = ConsulError(transport: HTTPClientError.cancelled, method: "GET", path: "/v1/a")
        let tooBig = ConsulError(transport: NIOTooManyBytesError(maxBytes: 1), method: "GET", path: "/v1/a")

        // Then
        #expect(refused.code == .unavailable && refused.status == nil && refused.isRetryable)
        #expect(deadline.code == .unavailable)
        #expect(cancelled.code == .cancelled)
        #expect(clientCancelled.code == .cancelled)
        #expect(tooBig.code == .invalidResponse)
    }
}
