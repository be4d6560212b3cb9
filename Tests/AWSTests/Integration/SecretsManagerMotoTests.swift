import AWS
import Foundation
import Testing

/// Secrets Manager against the real moto server (MESH_INTEGRATION=1).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MESH_INTEGRATION"] == "1"), .timeLimit(.minutes(1)))
struct SecretsManagerMotoTests {
    /// Create, read, replay with the same token (same version), put, replay put, describe.
    @Test func writes_whenReplayedWithSameToken_areIdempotent() async throws {
        // Given
        let secrets = try Moto.secretsManager()
        let name = Moto.uniqueName("aws-tests/secret")
        let firstValue = #"{"accessor_id":"a1","token":"t1"}"#
        let createToken = ClientRequestToken.derived(from: "\(name)|\(firstValue)")

        // When
        let created = try await secrets.createSecret(
            name: name, secretString: firstValue, clientRequestToken: createToken,
            description: "integration test", tags: ["suite": "aws-tests"]
        )
        let replayed = try await secrets.createSecret(name: name, secretString: firstValue, clientRequestToken: createToken)
        let read = try await secrets.getSecretValue(secretId: name)

        let secondValue = #"{"accessor_id":"a1","token":"t2"}"#
        let putToken = ClientRequestToken.derived(from: "\(name)|\(secondValue)")
        let put = try await secrets.putSecretValue(secretId: name, secretString: secondValue, clientRequestToken: putToken)
        let putReplay = try await secrets.putSecretValue(secretId: name, secretString: secondValue, clientRequestToken: putToken)
        let current = try await secrets.getSecretValue(secretId: created.arn)
        let description = try await secrets.describeSecret(secretId: name)

        // Then
        #expect(created.name == name)
        #expect(created.versionId == createToken)
        #expect(replayed.versionId == created.versionId)
        #expect(replayed.arn == created.arn)
        #expect(read.secretString == firstValue)
        #expect(read.versionStages == ["AWSCURRENT"])
        #expect(put.versionId == putToken)
        #expect(putReplay.versionId == putToken)
        #expect(current.secretString == secondValue)
        #expect(description.currentVersionId == putToken)
        #expect(description.tags["suite"] == "aws-tests")
        #expect(description.description == "integration test")
        #expect(description.versionIdsToStages.count == 2)
    }

    /// The same token with a different value is refused as `ResourceExistsException`.
    @Test func putSecretValue_whenTokenReusedWithOtherValue_isAlreadyExists() async throws {
        // Given
        let secrets = try Moto.secretsManager()
        let name = Moto.uniqueName("aws-tests/conflict")
        let token = ClientRequestToken.derived(from: name)
        _ = try await secrets.createSecret(name: name, secretString: "one", clientRequestToken: token)

        // When
        let error = await #expect(throws: AWSError.self) {
            try await secrets.putSecretValue(secretId: name, secretString: "two", clientRequestToken: token)
        }

        // Then
        #expect(error?.isAlreadyExists == true)
        #expect(error?.isRetryable == false)
    }

    /// Creating an existing name with a new token is `ResourceExistsException`.
    @Test func createSecret_whenNameTakenWithNewToken_isAlreadyExists() async throws {
        // Given
        let secrets = try Moto.secretsManager()
        let name = Moto.uniqueName("aws-tests/taken")
        _ = try await secrets.createSecret(name: name, secretString: "v", clientRequestToken: ClientRequestToken.derived(from: "1" + name))

        // When
        let error = await #expect(throws: AWSError.self) {
            try await secrets.createSecret(name: name, secretString: "v", clientRequestToken: ClientRequestToken.derived(from: "2" + name))
        }

        // Then
        #expect(error?.isAlreadyExists == true)
    }

    /// Missing secrets map to `isNotFound` for reads and writes (moto answers 404).
    @Test func operations_whenSecretMissing_areNotFound() async throws {
        // Given
        let secrets = try Moto.secretsManager()
        let name = Moto.uniqueName("aws-tests/missing")

        // When
        let get = await #expect(throws: AWSError.self) { try await secrets.getSecretValue(secretId: name) }
        let describe = await #expect(throws: AWSError.self) { try await secrets.describeSecret(secretId: name) }
        let put = await #expect(throws: AWSError.self) {
            try await secrets.putSecretValue(secretId: name, secretString: "x", clientRequestToken: ClientRequestToken.derived(from: name))
        }

        // Then
        #expect(get?.isNotFound == true)
        #expect(get?.operation == "GetSecretValue")
        #expect(get?.requestID != nil)
        #expect(describe?.isNotFound == true)
        #expect(put?.isNotFound == true)
    }
}
