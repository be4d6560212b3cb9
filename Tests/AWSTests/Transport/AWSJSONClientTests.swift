import AsyncHTTPClient
import AWS
import Foundation
import InMemoryLogging
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// The awsJson1_1 transport against a local stub: wire format, signing, retries, timeouts, logging.
@Suite(.timeLimit(.minutes(1)))
struct AWSJSONClientTests {
    struct Input: Encodable, Sendable {
        var cluster: String
        var tasks: [String]
    }

    struct Output: Decodable, Sendable, Equatable {
        var value: String?
    }

    struct Empty: Decodable, Sendable {}

    static let fastRetries = AWSJSONClient.Configuration(
        retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5))
    )

    private func client(
        _ url: String, credentials: AWSCredentials = exampleCredentials,
        configuration: AWSJSONClient.Configuration = fastRetries, logger: Logger = AWSLogging.noop
    ) -> AWSJSONClient {
        AWSJSONClient(
            httpClient: .shared, service: .ecs(endpoint: URL(string: url)!, region: "us-east-1"),
            credentials: StaticCredentialProvider(credentials), configuration: configuration, logger: logger
        )
    }

    /// A call is `POST /` with the JSON content type, the target header, the host with its port, and a
    /// signature that verifies over exactly what arrived.
    @Test func send_whenCalled_postsSignedAWSJSONRequest() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, #"{"value":"ok","extra":[1,2]}"#) }
        defer { Task { try? await server.shutdown() } }
        let fixedDate = Date(timeIntervalSince1970: 1_440_938_160)
        let transport = AWSJSONClient(
            httpClient: .shared, service: .ecs(endpoint: URL(string: server.url)!, region: "us-east-1"),
            credentials: StaticCredentialProvider(exampleCredentials), now: { fixedDate }
        )

        // When
        let output: Output = try await transport.send("DescribeTasks", input: Input(cluster: "apps", tasks: ["t1"]))

        // Then
        #expect(output == Output(value: "ok"))
        let request = try #require(server.requests.first)
        #expect(request.method == .POST)
        #expect(request.uri == "/")
        #expect(request.headers["Content-Type"] == ["application/x-amz-json-1.1"])
        #expect(request.headers["X-Amz-Target"] == ["AmazonEC2ContainerServiceV20141113.DescribeTasks"])
        #expect(request.headers["Host"] == ["127.0.0.1:\(server.port)"])
        #expect(request.headers["X-Amz-Date"] == ["20150830T123600Z"])
        #expect(request.bodyText == #"{"cluster":"apps","tasks":["t1"]}"#)
        let resigned = SigV4Signer(credentials: exampleCredentials, region: "us-east-1", service: "ecs").sign(
            SigV4Request(method: "POST", path: "/", headers: ["Host", "Content-Type", "X-Amz-Target"].map {
                SigV4Header($0, request.headers[$0].joined(separator: ","))
            }, body: request.body),
            at: fixedDate
        )
        #expect(request.headers["Authorization"] == [resigned.authorization])
        #expect(resigned.signedHeaders == "content-type;host;x-amz-date;x-amz-target")
    }

    /// Session credentials add a signed `X-Amz-Security-Token`.
    @Test func send_whenSessionToken_sendsAndSignsToken() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, "{}") }
        defer { Task { try? await server.shutdown() } }
        var credentials = exampleCredentials
        credentials.sessionToken = "session-token-value"

        // When
        let _: Empty = try await client(server.url, credentials: credentials).send("ListTasks", input: Input(cluster: "c", tasks: []))

        // Then
        let request = try #require(server.requests.first)
        #expect(request.headers["X-Amz-Security-Token"] == ["session-token-value"])
        #expect(request.headers.first(name: "Authorization")?.contains("x-amz-security-token") == true)
    }

    /// 5xx answers are retried until one succeeds.
    @Test func send_whenServerErrorsThenSuccess_retriesAndReturns() async throws {
        // Given
        let server = try await StubHTTPServer.sequence([
            .json(500, #"{"__type":"ServerException","message":"boom"}"#),
            .json(503, "{}"),
            .json(200, #"{"value":"third"}"#),
        ])
        defer { Task { try? await server.shutdown() } }

        // When
        let output: Output = try await client(server.url).send("ListTasks", input: Input(cluster: "c", tasks: []))

        // Then
        #expect(output.value == "third")
        #expect(server.requests.count == 3)
        let dates = server.requests.compactMap { $0.headers.first(name: "Authorization") }
        #expect(dates.count == 3)
    }

    /// Throttling on a 400 is retried too.
    @Test func send_whenThrottled_retries() async throws {
        // Given
        let server = try await StubHTTPServer.sequence([
            .json(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#), .json(200, #"{"value":"ok"}"#),
        ])
        defer { Task { try? await server.shutdown() } }

        // When
        let output: Output = try await client(server.url).send("ListTasks", input: Input(cluster: "c", tasks: []))

        // Then
        #expect(output.value == "ok")
        #expect(server.requests.count == 2)
    }

    /// Client errors are not retried and come back decoded with operation and request ID.
    @Test func send_whenClientError_throwsOnceWithContext() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(400, #"{"__type":"ClusterNotFoundException","message":"Cluster not found."}"#, headers: [("x-amzn-RequestId", "rid-7")])
        }
        defer { Task { try? await server.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await client(server.url).send("DescribeTasks", input: Input(cluster: "nope", tasks: []))
        }

        // Then
        #expect(error?.code == "ClusterNotFoundException")
        #expect(error?.message == "Cluster not found.")
        #expect(error?.statusCode == 400)
        #expect(error?.operation == "DescribeTasks")
        #expect(error?.requestID == "rid-7")
        #expect(server.requests.count == 1)
    }

    /// A persistently failing service is tried `maxAttempts` times, then the last error is thrown.
    @Test func send_whenAlwaysFailing_stopsAtMaxAttempts() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(500, #"{"__type":"InternalServiceError"}"#) }
        defer { Task { try? await server.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await client(server.url).send("ListTasks", input: Input(cluster: "c", tasks: []))
        }

        // Then
        #expect(error?.code == "InternalServiceError")
        #expect(server.requests.count == 4)
    }

    /// An attempt that outlives its timeout fails as a retryable timeout.
    @Test func send_whenResponseTooSlow_throwsTimeout() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, "{}", delay: .seconds(3)) }
        defer { Task { try? await server.shutdown() } }
        let configuration = AWSJSONClient.Configuration(retryPolicy: .none, attemptTimeout: .milliseconds(200))

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await client(server.url, configuration: configuration).send("ListTasks", input: Input(cluster: "c", tasks: []))
        }

        // Then
        #expect(error?.code == AWSError.timeoutCode)
        #expect(error?.isRetryable == true)
        #expect(error?.statusCode == nil)
    }

    /// A refused connection is a retryable connection failure, retried up to the limit.
    @Test func send_whenConnectionRefused_throwsConnectionFailure() async throws {
        // Given
        let closed = try await StubHTTPServer.start { _ in .json(200, "{}") }
        let url = closed.url
        try await closed.shutdown()
        let configuration = AWSJSONClient.Configuration(
            retryPolicy: Self.fastRetries.retryPolicy, attemptTimeout: .milliseconds(300), callTimeout: .seconds(5)
        )

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await client(url, configuration: configuration).send("ListTasks", input: Input(cluster: "c", tasks: []))
        }

        // Then: async-http-client retries a refused connect until the attempt times out, so on a
        // loaded machine the last attempt may end as a timeout instead; both are retryable failures.
        #expect(error?.code == AWSError.connectionFailureCode || error?.code == "RequestTimeout")
        #expect(error?.isRetryable == true)
    }

    /// A deadline that has passed fails without sending anything.
    @Test func send_whenDeadlinePassed_throwsTimeoutWithoutRequest() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, "{}") }
        defer { Task { try? await server.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await client(server.url).send(
                "ListTasks", input: Input(cluster: "c", tasks: []), deadline: ContinuousClock.now.advanced(by: .seconds(-1))
            )
        }

        // Then
        #expect(error?.code == AWSError.timeoutCode)
        #expect(server.requests.isEmpty)
    }

    /// Failing credentials surface as `CredentialsUnavailable` with the cause, and nothing is sent.
    @Test func send_whenCredentialsFail_throwsCredentialsUnavailable() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, "{}") }
        defer { Task { try? await server.shutdown() } }
        let transport = AWSJSONClient(
            httpClient: .shared, service: .ecs(endpoint: URL(string: server.url)!, region: "us-east-1"),
            credentials: ScriptedCredentialProvider([.failure(AWSCredentialError(.notFound, "none"))])
        )

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Empty = try await transport.send("ListTasks", input: Input(cluster: "c", tasks: []))
        }

        // Then
        #expect(error?.code == AWSError.credentialsUnavailableCode)
        #expect(error?.underlying is AWSCredentialError)
        #expect(server.requests.isEmpty)
    }

    /// An expired-token rejection drops the cached credentials and retries once with fresh ones.
    @Test func send_whenExpiredToken_refreshesCredentialsAndRetries() async throws {
        // Given
        let server = try await StubHTTPServer.sequence([
            .json(400, #"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#),
            .json(200, #"{"value":"ok"}"#),
        ])
        defer { Task { try? await server.shutdown() } }
        let base = ScriptedCredentialProvider([
            .success(AWSCredentials(accessKeyID: "OLDKEY", secretAccessKey: "s", sessionToken: "t1")),
            .success(AWSCredentials(accessKeyID: "NEWKEY", secretAccessKey: "s", sessionToken: "t2")),
        ])
        let transport = AWSJSONClient(
            httpClient: .shared, service: .ecs(endpoint: URL(string: server.url)!, region: "us-east-1"),
            credentials: AWSCredentialChain(providers: [base]), configuration: Self.fastRetries
        )

        // When
        let output: Output = try await transport.send("ListTasks", input: Input(cluster: "c", tasks: []))

        // Then
        #expect(output.value == "ok")
        #expect(base.calls == 2)
        let keys = server.requests.compactMap { $0.headers.first(name: "Authorization")?.contains("Credential=NEWKEY/") }
        #expect(keys == [false, true])
    }

    /// A 200 whose body does not decode is an `InvalidResponse`, not retried; an empty body decodes as `{}`.
    @Test func send_whenBodyUndecodable_throwsInvalidResponse() async throws {
        // Given
        let bad = try await StubHTTPServer.start { _ in .json(200, #"{"value": 12"#) }
        let empty = try await StubHTTPServer.start { _ in .json(200, "") }
        defer { Task { try? await bad.shutdown(); try? await empty.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) {
            let _: Output = try await client(bad.url).send("ListTasks", input: Input(cluster: "c", tasks: []))
        }
        let decoded: Output = try await client(empty.url).send("ListTasks", input: Input(cluster: "c", tasks: []))

        // Then
        #expect(error?.code == AWSError.invalidResponseCode)
        #expect(bad.requests.count == 1)
        #expect(decoded == Output(value: nil))
    }

    /// Logs name the operation and outcome but never contain request bodies or credentials.
    @Test func send_whenLogging_neverLogsBodiesOrKeys() async throws {
        // Given
        let server = try await StubHTTPServer.sequence([
            .json(500, #"{"__type":"InternalServiceError"}"#, headers: [("x-amzn-RequestId", "rid-9")]), .json(200, "{}"),
        ])
        defer { Task { try? await server.shutdown() } }
        let (logger, logs) = makeCapturingLogger()
        var credentials = exampleCredentials
        credentials.sessionToken = "tok-should-not-appear"

        // When
        let _: Empty = try await client(server.url, credentials: credentials, logger: logger)
            .send("PutSecretValue", input: Input(cluster: "very-secret-value", tasks: ["another-secret"]))

        // Then
        let text = renderedLog(logs)
        #expect(text.contains("PutSecretValue"))
        #expect(text.contains("rid-9"))
        for secret in ["very-secret-value", "another-secret", "tok-should-not-appear", exampleCredentials.secretAccessKey] {
            #expect(!text.contains(secret))
        }
    }
}
