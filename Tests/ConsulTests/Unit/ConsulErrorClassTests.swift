import Consul
import ErrorClassification
import Foundation
import Testing

/// `ConsulError.isTransient`: what the work queue retries forever and what it parks at once.
struct ConsulErrorClassTests {
    /// Consul without a leader, failing, rate limiting or timing out may pass on its own: transient.
    @Test(arguments: [
        (500, "No cluster leader"),
        (500, "rpc error making call: rpc error making call: No cluster leader"),
        (503, ""),
        (429, "rate limit exceeded"),
        (408, ""),
    ])
    func isTransient_whenConsulMayRecover_isTrue(status: Int, body: String) {
        // Given
        let error = ConsulError(status: status, body: body, method: "PUT", path: "/v1/catalog/register")
        // When / Then
        #expect(error.isTransient)
        #expect(ErrorClass(of: error) == .transient)
    }

    /// An unknown or powerless token and a request Consul refuses will not pass on their own: permanent.
    @Test(arguments: [
        (403, "ACL not found"),
        (403, "Permission denied"),
        (400, "Invalid Service Identity: name is required"),
        (404, "Not Found"),
        (302, ""),
    ])
    func isTransient_whenConsulRefuses_isFalse(status: Int, body: String) {
        // Given
        let error = ConsulError(status: status, body: body, method: "PUT", path: "/v1/acl/token")
        // When / Then
        #expect(!error.isTransient)
        #expect(ErrorClass(of: error) == .permanent)
    }

    /// No answer at all (connection refused, reset, deadline passed) and a cut-off body are transient.
    @Test(arguments: [ConsulError.Code.unavailable, .invalidResponse, .cancelled])
    func isTransient_whenNoUsableAnswer_isTrue(code: ConsulError.Code) {
        // Given
        let error = ConsulError(code: code, status: nil, method: "GET", path: "/v1/catalog/node/x",
                                message: "connection refused")
        // When / Then
        #expect(error.isTransient)
    }
}
