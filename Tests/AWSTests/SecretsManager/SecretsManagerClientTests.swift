import AsyncHTTPClient
import AWS
import Foundation
import NIOHTTP1
import InMemoryLogging
import Logging
import Testing

/// The Secrets Manager client against a local stub: request documents, responses, not-found mapping.
@Suite(.timeLimit(.minutes(1)))
struct SecretsManagerClientTests {
    private func client(_ server: StubHTTPServer, logger: Logger = AWSLogging.noop) -> SecretsManagerClient {
        SecretsManagerClient(
            client: .shared, endpoint: URL(string: server.url)!, region: "us-east-1",
            credentials: StaticCredentialProvider(exampleCredentials),
            configuration: .init(retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1))), logger: logger
        )
    }

    private func json(_ request: StubRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
    }

    /// CreateSecret sends name, value, token, description and `Key`/`Value` tags, signed for `secretsmanager`.
    @Test func createSecret_whenCalled_sendsDocumentAndDecodesResult() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(200, #"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:mesh-web-AbCdEf","Name":"mesh-web","VersionId":"v-1"}"#)
        }
        defer { Task { try? await server.shutdown() } }
        let token = ClientRequestToken.derived(from: "mesh-web|1")

        // When
        let result = try await client(server).createSecret(
            name: "mesh-web", secretString: #"{"token":"t"}"#, clientRequestToken: token,
            description: "web service token", tags: ["cluster": "apps", "app": "mesh"]
        )

        // Then
        #expect(result == SecretVersionResult(arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:mesh-web-AbCdEf", name: "mesh-web", versionId: "v-1"))
        let request = try #require(server.requests.first)
        #expect(request.headers["X-Amz-Target"] == ["secretsmanager.CreateSecret"])
        #expect(request.headers.first(name: "Authorization")?.contains("/us-east-1/secretsmanager/aws4_request") == true)
        let body = try json(request)
        #expect(body["Name"] as? String == "mesh-web")
        #expect(body["SecretString"] as? String == #"{"token":"t"}"#)
        #expect(body["ClientRequestToken"] as? String == token)
        #expect(body["Description"] as? String == "web service token")
        let tags = try #require(body["Tags"] as? [[String: String]])
        #expect(tags == [["Key": "app", "Value": "mesh"], ["Key": "cluster", "Value": "apps"]])
    }

    /// PutSecretValue sends the token and returns the version and its stages.
    @Test func putSecretValue_whenCalled_sendsTokenAndDecodesStages() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(200, #"{"ARN":"arn:x","Name":"mesh-web","VersionId":"v-2","VersionStages":["AWSCURRENT"]}"#)
        }
        defer { Task { try? await server.shutdown() } }
        let token = String(repeating: "a", count: 32)

        // When
        let result = try await client(server).putSecretValue(secretId: "mesh-web", secretString: "v2", clientRequestToken: token)

        // Then
        #expect(result.versionStages == ["AWSCURRENT"])
        let body = try json(try #require(server.requests.first))
        #expect(body["SecretId"] as? String == "mesh-web")
        #expect(body["ClientRequestToken"] as? String == token)
        #expect(server.requests.first?.headers["X-Amz-Target"] == ["secretsmanager.PutSecretValue"])
    }

    /// A token outside 32–64 characters is refused before anything is sent.
    @Test func putSecretValue_whenTokenTooShort_throwsWithoutRequest() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(200, "{}") }
        defer { Task { try? await server.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) {
            try await client(server).putSecretValue(secretId: "s", secretString: "v", clientRequestToken: "short")
        }

        // Then
        #expect(error?.code == "InvalidParameterException")
        #expect(server.requests.isEmpty)
    }

    /// Not-found is recognised by code both for moto's 404 and AWS's 400, and is not retried.
    @Test(arguments: [404, 400])
    func getSecretValue_whenResourceNotFound_isNotFound(_ status: Int) async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(status, #"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#,
                  headers: [("X-Amzn-ErrorType", "ResourceNotFoundException")])
        }
        defer { Task { try? await server.shutdown() } }

        // When
        let error = await #expect(throws: AWSError.self) { try await client(server).getSecretValue(secretId: "missing") }

        // Then
        #expect(error?.isNotFound == true)
        #expect(error?.operation == "GetSecretValue")
        #expect(server.requests.count == 1)
    }

    /// GetSecretValue decodes the value and moto's integer timestamp; its description hides the value.
    @Test func getSecretValue_whenFound_decodesAndRedactsInDescription() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in
            .json(200, #"{"ARN":"arn:x","Name":"raw/one","VersionId":"v","VersionStages":["AWSCURRENT"],"CreatedDate":1795344640,"SecretString":"s3cr3t"}"#)
        }
        defer { Task { try? await server.shutdown() } }

        // When
        let value = try await client(server).getSecretValue(secretId: "raw/one")

        // Then
        #expect(value.secretString == "s3cr3t")
        #expect(value.createdDate == Date(timeIntervalSince1970: 1_795_344_640))
        #expect(!"\(value)".contains("s3cr3t"))
        #expect(!String(reflecting: value).contains("s3cr3t"))
        #expect(try json(try #require(server.requests.first)).keys.sorted() == ["SecretId"])
    }

    /// DescribeSecret tolerates moto's explicit nulls and extra keys.
    @Test func describeSecret_whenMotoResponse_decodesLeniently() throws {
        // Given / When
        let description = try JSONDecoder().decode(SecretDescription.self, from: try Fixtures.data("secretsmanager/describe-secret-moto.json"))

        // Then
        #expect(description.name == "raw/one")
        #expect(description.deletedDate == nil)
        #expect(description.currentVersionId == "85672069-3c7a-4f71-96b3-abff9f3fd594")
        #expect(description.createdDate == Date(timeIntervalSince1970: 1_795_344_640))
        #expect(description.tags.isEmpty)
    }

    /// DescribeSecret reads AWS's scientific-notation dates, ISO strings, and `Key`/`Value` tags.
    @Test func describeSecret_whenAWSResponse_decodesDatesAndTags() throws {
        // Given / When
        let description = try JSONDecoder().decode(SecretDescription.self, from: try Fixtures.data("secretsmanager/describe-secret-aws.json"))

        // Then
        #expect(description.createdDate == Date(timeIntervalSince1970: 1_523_477_145.729))
        #expect(description.deletedDate == Date(timeIntervalSince1970: 1_524_225_600))
        #expect(description.tags == ["FirstTag": "SomeValue", "SecondTag": "AnotherValue"])
        #expect(description.currentVersionId == "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222")
        #expect(description.description == "My test database secret")
    }

    /// Writes that fail and are retried never put the secret value in the logs.
    @Test func createSecret_whenRetriedAndFailing_neverLogsSecretValue() async throws {
        // Given
        let server = try await StubHTTPServer.start { _ in .json(500, #"{"__type":"InternalServiceError","message":"x"}"#) }
        defer { Task { try? await server.shutdown() } }
        let (logger, logs) = makeCapturingLogger()

        // When
        let error = await #expect(throws: AWSError.self) {
            try await client(server, logger: logger).createSecret(
                name: "mesh-web", secretString: "TOP-SECRET-TOKEN", clientRequestToken: String(repeating: "b", count: 36)
            )
        }

        // Then
        #expect(error?.code == "InternalServiceError")
        #expect(server.requests.count == 2)
        #expect(!logs.entries.isEmpty)
        #expect(!renderedLog(logs).contains("TOP-SECRET-TOKEN"))
        #expect(!"\(error.map { "\($0)" } ?? "")".contains("TOP-SECRET-TOKEN"))
    }
}
