public import AsyncHTTPClient
import Backoff
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Calls one awsJson1_1 service: `POST /` with `Content-Type: application/x-amz-json-1.1` and
/// `X-Amz-Target: <prefix>.<Operation>`, SigV4-signed, on a shared ``HTTPClient`` (which pools and
/// reuses connections). Retries retryable failures with ``RetryPolicy``, re-signing every attempt.
///
/// Bodies are never logged (they may carry secret values); log lines carry the service, operation,
/// attempt, status, error code and request ID.
///
/// ```swift
/// let ecs = AWSJSONClient(httpClient: http, service: .ecs(endpoint: endpoints.ecs, region: endpoints.region),
///                         credentials: chain, logger: logger)
/// let page: ListTasksResponse = try await ecs.send("ListTasks", input: ListTasksRequest(cluster: "apps"))
/// ```
public struct AWSJSONClient: Sendable {
    /// Timeouts and retries.
    public struct Configuration: Sendable, Equatable {
        /// Backoff for retryable failures.
        public var retryPolicy: RetryPolicy
        /// The longest a single attempt may take.
        public var attemptTimeout: Duration
        /// The whole call's budget (all attempts and backoff) when the caller gives no deadline.
        public var callTimeout: Duration
        /// Responses larger than this fail (protects memory).
        public var maxResponseBytes: Int
        /// Told about every call when it has finished (metrics); `nil` by default. Not part of `==`.
        public var callObserver: (any AWSCallObserver)?

        /// Creates a configuration.
        public init(
            retryPolicy: RetryPolicy = .default, attemptTimeout: Duration = .seconds(10),
            callTimeout: Duration = .seconds(30), maxResponseBytes: Int = 8 << 20
        ) {
            self.retryPolicy = retryPolicy
            self.attemptTimeout = attemptTimeout
            self.callTimeout = callTimeout
            self.maxResponseBytes = maxResponseBytes
        }

        public static func == (lhs: Configuration, rhs: Configuration) -> Bool {
            lhs.retryPolicy == rhs.retryPolicy && lhs.attemptTimeout == rhs.attemptTimeout
                && lhs.callTimeout == rhs.callTimeout && lhs.maxResponseBytes == rhs.maxResponseBytes
        }
    }

    /// The service this client talks to.
    public let service: AWSService
    /// Timeouts and retries.
    public let configuration: Configuration
    let httpClient: HTTPClient
    let credentials: any AWSCredentialProvider
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates a client.
    /// - Parameters:
    ///   - httpClient: The shared HTTP client; its lifecycle belongs to the caller.
    ///   - service: Endpoint, signing name, target prefix and region.
    ///   - credentials: Where signing credentials come from (asked on every attempt; cache it).
    ///   - configuration: Timeouts and retries.
    ///   - now: The wall clock for `X-Amz-Date`.
    ///   - logger: The default logger for calls that pass none.
    public init(
        httpClient: HTTPClient, service: AWSService, credentials: any AWSCredentialProvider,
        configuration: Configuration = Configuration(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = AWSLogging.noop
    ) {
        self.httpClient = httpClient
        self.service = service
        self.credentials = credentials
        self.configuration = configuration
        self.now = now
        self.logger = logger
    }

    /// Calls `operation` with `input` and decodes the response.
    /// - Parameters:
    ///   - operation: The operation name, e.g. `DescribeTasks`.
    ///   - input: The request document.
    ///   - output: The response type; unknown keys are ignored.
    ///   - deadline: When to give up, retries included; default now + `callTimeout`.
    ///   - logger: The logger for this call; default the client's.
    /// - Returns: The decoded response.
    /// - Throws: ``AWSError`` (or `CancellationError`).
    public func send<Input: Encodable & Sendable, Output: Decodable & Sendable>(
        _ operation: String, input: Input, as output: Output.Type = Output.self,
        deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> Output {
        let body = try encode(input, operation: operation)
        let bytes = try await sendRaw(operation, body: body, deadline: deadline, logger: logger)
        do {
            return try JSONDecoder().decode(Output.self, from: bytes.isEmpty ? Data("{}".utf8) : Data(bytes))
        } catch {
            throw AWSError(
                code: AWSError.invalidResponseCode, message: "response body is not a valid \(Output.self)",
                statusCode: 200, operation: operation, underlying: error
            )
        }
    }

    /// Calls `operation` with a raw JSON body and returns the raw 2xx body.
    /// - Throws: ``AWSError`` (or `CancellationError`).
    public func sendRaw(
        _ operation: String, body: [UInt8], deadline: ContinuousClock.Instant? = nil, logger: Logger? = nil
    ) async throws -> [UInt8] {
        guard let observer = configuration.callObserver else {
            return try await sendWithRetries(operation, body: body, deadline: deadline, logger: logger)
        }
        let started = ContinuousClock.now
        do {
            let bytes = try await sendWithRetries(operation, body: body, deadline: deadline, logger: logger)
            observer.awsCallFinished(service: service.signingName, operation: operation,
                                     duration: ContinuousClock.now - started, errorCode: nil, answered: true)
            return bytes
        } catch let error as AWSError {
            observer.awsCallFinished(service: service.signingName, operation: operation,
                                     duration: ContinuousClock.now - started, errorCode: error.code,
                                     answered: error.statusCode != nil)
            throw error
        }
    }

    private func sendWithRetries(
        _ operation: String, body: [UInt8], deadline: ContinuousClock.Instant?, logger: Logger?
    ) async throws -> [UInt8] {
        var logger = logger ?? self.logger
        logger[metadataKey: "aws.service"] = "\(service.signingName)"
        logger[metadataKey: "aws.operation"] = "\(operation)"
        let deadline = deadline ?? ContinuousClock.now.advanced(by: configuration.callTimeout)
        let policy = configuration.retryPolicy
        var generator = SystemRandomNumberGenerator()
        var attempt = 1
        var refreshedCredentials = false
        while true {
            do {
                return try await attemptOnce(operation, body: body, attempt: attempt, deadline: deadline, logger: logger)
            } catch let error as AWSError where error.isExpiredCredentials && !refreshedCredentials && attempt < policy.maxAttempts {
                logger.debug("AWS rejected expired credentials; refreshing and retrying", metadata: ["aws.attempt": "\(attempt)"])
                await credentials.invalidate()
                refreshedCredentials = true
                attempt += 1
            } catch let error as AWSError {
                var metadata: Logger.Metadata = [
                    "aws.attempt": "\(attempt)", "aws.error.code": "\(error.code)",
                    "http.status": "\(error.statusCode.map(String.init) ?? "none")",
                ]
                if let requestID = error.requestID { metadata["aws.request.id"] = "\(requestID)" }
                guard policy.shouldRetry(error, afterAttempt: attempt) else {
                    logger.debug("AWS call failed", metadata: metadata)
                    throw error
                }
                let delay = policy.backoff.delay(attempt: attempt - 1, using: &generator)
                guard ContinuousClock.now.advanced(by: delay) < deadline else {
                    logger.debug("AWS call failed; no time left to retry", metadata: metadata)
                    throw error
                }
                metadata["aws.retry.delay_ms"] = "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"
                logger.debug("AWS call failed; retrying", metadata: metadata)
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    private func encode<Input: Encodable>(_ input: Input, operation: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(input))
        } catch {
            throw AWSError(code: AWSError.invalidParameterCode, message: "request is not encodable", operation: operation, underlying: error)
        }
    }
}
