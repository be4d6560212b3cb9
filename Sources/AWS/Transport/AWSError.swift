public import ErrorClassification

/// A failed AWS call: a service error (decoded from the response) or a transport failure.
///
/// Key decisions on ``code``, never on ``statusCode``: moto answers 404 for
/// `ResourceNotFoundException` where AWS answers 400. Local failures use the codes in the static
/// members below (``connectionFailureCode`` …) and have no status code.
public struct AWSError: Error, Sendable, CustomStringConvertible, TransientClassifiable {
    /// The service's error code, sanitized (`com.amazonaws.x#Code:http://…` → `Code`), or a local code.
    public var code: String
    /// The service's message, if any. May echo identifiers (names, ARNs), never secret values we sent.
    public var message: String?
    /// The HTTP status, or `nil` when no response arrived.
    public var statusCode: Int?
    /// The operation that failed, e.g. `GetSecretValue`.
    public var operation: String
    /// The request ID (`x-amzn-RequestId`), for AWS support.
    public var requestID: String?
    /// The error that caused a local failure (connection, timeout, credentials, decoding).
    public var underlying: (any Error)?

    /// No TCP connection or the connection broke mid-request.
    public static let connectionFailureCode = "ConnectionFailure"
    /// The attempt or the call ran past its timeout/deadline.
    public static let timeoutCode = "RequestTimeout"
    /// A 2xx response whose body could not be decoded.
    public static let invalidResponseCode = "InvalidResponse"
    /// The credential provider failed; see ``underlying``.
    public static let credentialsUnavailableCode = "CredentialsUnavailable"
    /// A request failed client-side validation before it was sent.
    public static let invalidParameterCode = "InvalidParameterException"

    /// Codes that mean "slow down" (AWS SDK standard retry mode's list, minus
    /// `LimitExceededException`, which Secrets Manager uses for quotas, not rate).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceeded", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Codes for transient server-side or transport failures.
    public static let transientCodes: Set<String> = [
        "InternalServiceError", "InternalServiceErrorException", "InternalFailure", "InternalError",
        "ServerException", "ServiceUnavailable", "ServiceUnavailableException", "RequestTimeout",
        "RequestTimeoutException", connectionFailureCode,
    ]

    /// Codes that mean the request itself is refused: repeating it cannot succeed until the
    /// caller's permissions, credentials or input change.
    public static let permanentCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
        "InvalidClientTokenId", "IncompleteSignature", "InvalidSignatureException", "MissingAuthenticationToken",
        "ValidationException", "ValidationError", "InvalidParameterValue",
        "InvalidParameterValueException", "InvalidRequestException", "MalformedPolicyDocumentException",
        "ClientException", invalidParameterCode,
    ]

    /// Creates an error.
    public init(
        code: String, message: String? = nil, statusCode: Int? = nil, operation: String,
        requestID: String? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.statusCode = statusCode
        self.operation = operation
        self.requestID = requestID
        self.underlying = underlying
    }

    /// The service asked us to slow down (throttling code or HTTP 429).
    public var isThrottling: Bool {
        Self.throttlingCodes.contains(code) || statusCode == 429
    }

    /// Worth retrying with backoff: throttling, 5xx, transient server codes, connection failures and
    /// timeouts. Writes are safe to retry because every write carries a ClientRequestToken.
    public var isRetryable: Bool {
        isThrottling || Self.transientCodes.contains(code) || (statusCode.map { $0 >= 500 } ?? false)
    }

    /// The work queue's class of this failure (one home: here, beside the codes).
    ///
    /// Transient: everything ``isRetryable`` covers (throttling codes such as `ThrottlingException`,
    /// `Throttling`, `TooManyRequestsException`; HTTP 429 and 5xx; `ServiceUnavailable`,
    /// `RequestTimeout`, connection failures and timeouts), 408, expired credentials (the next
    /// attempt signs with fresh ones), credentials whose endpoint failed, a 2xx body that could
    /// not be decoded (a cut-off answer), and any failure without an HTTP answer. Permanent: the
    /// ``permanentCodes`` (`AccessDenied*`, validation errors, bad credentials), credentials that are
    /// not configured, and every other
    /// answered 4xx (an unknown resource, a conflict the caller must resolve).
    public var isTransient: Bool {
        if Self.permanentCodes.contains(code) { return false }
        if code == Self.credentialsUnavailableCode, let underlying = underlying as? any TransientClassifiable {
            return underlying.isTransient
        }
        if isRetryable || isExpiredCredentials || code == Self.invalidResponseCode { return true }
        guard let statusCode else { return true }
        return !(400...499).contains(statusCode) || statusCode == 408
    }

    /// The request was signed with expired credentials; fresh credentials may fix it.
    public var isExpiredCredentials: Bool {
        code == "ExpiredTokenException" || code == "ExpiredToken"
    }

    /// The resource does not exist (`ResourceNotFoundException`), whatever the HTTP status.
    public var isNotFound: Bool { code == "ResourceNotFoundException" }

    /// The resource already exists (`ResourceExistsException`), e.g. a secret name that is taken or a
    /// ClientRequestToken reused with a different value.
    public var isAlreadyExists: Bool { code == "ResourceExistsException" }

    public var description: String {
        var text = "AWS \(operation) failed: \(code)"
        if let message, !message.isEmpty { text += ": \(message)" }
        if let statusCode { text += " (HTTP \(statusCode))" }
        if let requestID { text += " [request \(requestID)]" }
        if let underlying {
            // A decoding error may quote the response (a secret value); name its type only.
            text += code == Self.invalidResponseCode ? " (\(type(of: underlying)))" : statusCode == nil ? " (\(underlying))" : ""
        }
        return text
    }
}
