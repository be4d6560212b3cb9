import AWS
import ErrorClassification
import Testing

/// `AWSError.isTransient`: classified by HTTP status and error code, for the work queue.
struct AWSErrorClassTests {
    /// Throttling, unavailability, 5xx, 429, timeouts and expired credentials may pass: transient.
    @Test(arguments: [
        ("ThrottlingException", 400),
        ("Throttling", 400),
        ("TooManyRequestsException", 400),
        ("HTTP429", 429),
        ("ServiceUnavailable", 503),
        ("ServiceUnavailableException", 503),
        ("InternalFailure", 500),
        ("HTTP502", 502),
        ("RequestTimeout", 408),
        ("ExpiredTokenException", 400),
    ])
    func isTransient_whenServiceMayRecover_isTrue(code: String, status: Int) {
        // Given
        let error = AWSError(code: code, statusCode: status, operation: "GetSecretValue")
        // When / Then
        #expect(error.isTransient)
        #expect(ErrorClass(of: error) == .transient)
    }

    /// AccessDenied, validation errors and every other answered 4xx will not pass alone: permanent.
    @Test(arguments: [
        ("AccessDeniedException", 400),
        ("AccessDenied", 403),
        ("ValidationException", 400),
        ("InvalidParameterException", 400),
        ("InvalidRequestException", 400),
        ("UnrecognizedClientException", 400),
        ("ResourceNotFoundException", 404),
        ("ClientException", 400),
        ("SomethingNew", 409),
        // A permanent code stays permanent even if a proxy answered it with a 5xx.
        ("AccessDeniedException", 500),
    ])
    func isTransient_whenRequestIsRefused_isFalse(code: String, status: Int) {
        // Given
        let error = AWSError(code: code, statusCode: status, operation: "CreateSecret")
        // When / Then
        #expect(!error.isTransient)
        #expect(ErrorClass(of: error) == .permanent)
    }

    /// Local failures without an answer: connection failures, timeouts and cut-off bodies are
    /// transient; a request that failed client-side validation is permanent.
    @Test func isTransient_whenNoAnswer_dependsOnTheLocalCode() {
        // Given
        let connection = AWSError(code: AWSError.connectionFailureCode, operation: "DescribeTasks")
        let timeout = AWSError(code: AWSError.timeoutCode, operation: "DescribeTasks")
        let cutOff = AWSError(code: AWSError.invalidResponseCode, statusCode: 200, operation: "DescribeTasks")
        let invalid = AWSError(code: AWSError.invalidParameterCode, operation: "DescribeTasks")
        // When / Then
        #expect(connection.isTransient && timeout.isTransient && cutOff.isTransient)
        #expect(!invalid.isTransient)
    }

    /// Credentials: a failing credentials endpoint is transient, missing credentials are permanent.
    @Test func isTransient_whenCredentialsUnavailable_followsTheCredentialError() {
        // Given
        let endpoint = AWSError(code: AWSError.credentialsUnavailableCode, operation: "DescribeTasks",
                                underlying: AWSCredentialError(.endpointFailed, "HTTP 500"))
        let missing = AWSError(code: AWSError.credentialsUnavailableCode, operation: "DescribeTasks",
                               underlying: AWSCredentialError(.notFound, "no provider configured"))
        // When / Then
        #expect(endpoint.isTransient)
        #expect(!missing.isTransient)
    }
}
