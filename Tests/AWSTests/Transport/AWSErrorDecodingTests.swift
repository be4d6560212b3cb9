@testable import AWS
import Testing

/// Error responses decoded per the awsJson1_1 rules, plus moto's XML auth errors.
struct AWSErrorDecodingTests {
    private func decode(status: Int, headers: [String: String] = [:], body: String) -> AWSError {
        let lowered = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        return AWSError(operation: "GetSecretValue", statusCode: status, header: { lowered[$0.lowercased()] }, body: Array(body.utf8))
    }

    /// The `__type` field gives the code and lower-case `message` the message.
    @Test func decode_whenTypeAndLowercaseMessage_readsBoth() {
        // Given / When
        let error = decode(status: 400, body: #"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#)

        // Then
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.message == "Secrets Manager can't find the specified secret.")
        #expect(error.statusCode == 400)
        #expect(error.operation == "GetSecretValue")
        #expect(error.isNotFound)
        #expect(!error.isRetryable)
    }

    /// Capitalised `Message` is read too.
    @Test func decode_whenCapitalisedMessage_readsIt() {
        // Given / When
        let error = decode(status: 400, body: #"{"__type":"InvalidRequestException","Message":"marked for deletion"}"#)

        // Then
        #expect(error.code == "InvalidRequestException")
        #expect(error.message == "marked for deletion")
    }

    /// A body `code` field wins over `__type`.
    @Test func decode_whenBodyCodeAndType_prefersCode() {
        // Given / When
        let error = decode(status: 400, body: #"{"code":"ThrottlingException","__type":"Other","message":"Rate exceeded"}"#)

        // Then
        #expect(error.code == "ThrottlingException")
        #expect(error.isThrottling)
        #expect(error.isRetryable)
    }

    /// The `x-amzn-errortype` header wins over the body, and the request ID comes from its header.
    @Test func decode_whenErrorTypeHeader_prefersHeader() {
        // Given / When
        let error = decode(
            status: 404,
            headers: ["X-Amzn-ErrorType": "ResourceNotFoundException:http://internal.amazon.com/", "x-amzn-RequestId": "req-1"],
            body: #"{"__type":"Ignored","message":"m"}"#
        )

        // Then
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.requestID == "req-1")
        #expect(error.isNotFound)
    }

    /// `com.amazonaws.x#Code:http://…` is cut to `Code`.
    @Test func decode_whenNamespacedTypeWithURI_sanitizes() {
        // Given / When
        let error = decode(status: 400, body: #"{"__type":"com.amazonaws.secretsmanager#ResourceExistsException:http://internal.amazon.com/coral/com.amazon.coral.validate/","message":"exists"}"#)

        // Then
        #expect(error.code == "ResourceExistsException")
        #expect(error.isAlreadyExists)
    }

    /// moto's 403 XML auth errors give their `<Code>` and `<Message>`.
    @Test func decode_whenMotoXMLAuthError_readsCodeAndMessage() {
        // Given
        let xml = #"<?xml version="1.0" encoding="utf-8"?>\#n<ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match &amp; so on.</Message><Type>Sender</Type></Error></Errors><RequestId>xml-req</RequestId></ErrorResponse>"#

        // When
        let error = decode(status: 403, body: xml)

        // Then
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.message == "The request signature we calculated does not match & so on.")
        #expect(error.requestID == "xml-req")
        #expect(!error.isRetryable)
    }

    /// A 5xx without a parseable body is named after its status and is retryable.
    @Test func decode_whenServerErrorWithHTMLBody_isRetryableHTTPCode() {
        // Given / When
        let error = decode(status: 503, body: "Service Unavailable")

        // Then
        #expect(error.code == "HTTP503")
        #expect(error.isRetryable)
        #expect(!error.isThrottling)
    }

    /// Transient service codes are retryable even on a 4xx status; 429 counts as throttling.
    @Test(arguments: ["InternalServiceError", "ServerException", "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceeded"])
    func isRetryable_whenTransientCode_isTrue(_ code: String) {
        // Given / When
        let error = AWSError(code: code, statusCode: 400, operation: "ListTasks")

        // Then
        #expect(error.isRetryable)
    }

    /// HTTP 429 is throttling whatever the code; client errors are not retryable.
    @Test func isThrottling_whenStatus429_isTrueAndClientErrorIsNot() {
        // Given
        let throttled = AWSError(code: "Whatever", statusCode: 429, operation: "ListTasks")
        let invalid = AWSError(code: "InvalidParameterException", statusCode: 400, operation: "ListTasks")

        // Then
        #expect(throttled.isThrottling && throttled.isRetryable)
        #expect(!invalid.isRetryable)
    }

    /// Local connection failures and timeouts are retryable.
    @Test func isRetryable_whenConnectionFailureOrTimeout_isTrue() {
        // Given / When
        let connection = AWSError(code: AWSError.connectionFailureCode, operation: "ListTasks")
        let timeout = AWSError(code: AWSError.timeoutCode, operation: "ListTasks")

        // Then
        #expect(connection.isRetryable)
        #expect(timeout.isRetryable)
    }

    /// Sanitizing keeps plain codes and drops empty ones.
    @Test func sanitize_whenVariants_givesBareCode() {
        #expect(AWSError.sanitize("ThrottlingException") == "ThrottlingException")
        #expect(AWSError.sanitize("aws.protocoltests.restjson#FooError") == "FooError")
        #expect(AWSError.sanitize("FooError:http://internal.amazon.com/coral/") == "FooError")
        #expect(AWSError.sanitize("") == nil)
    }
}
