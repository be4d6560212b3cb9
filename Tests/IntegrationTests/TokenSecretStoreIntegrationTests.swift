import AWS
import Controller
import Foundation
import MeshModel
import Testing

/// ``SecretsManagerTokenStore`` against moto: a write into a secret without IDs names the version
/// it replaces, so of two writers that read the same `{}` only the first one's IDs are stored.
@Suite(.enabled(if: integrationEnabled, "needs MESH_INTEGRATION=1 (deploy/local/test.sh)"))
struct TokenSecretStoreIntegrationTests {
    @Test(.timeLimit(.minutes(1)))
    func put_whenTwoWritersFillTheSameEmptyVersion_storesTheFirstOnly() async throws {
        // Given a Terraform-made "{}" secret, read by two writers
        let probe = try MeshWorldProbe()
        let store = SecretsManagerTokenStore(client: probe.secrets)
        let name = "store-race-\(uniqueSuffix())"
        _ = try await probe.secrets.createSecret(name: name, secretString: "{}", clientRequestToken: UUID().uuidString,
                                                 logger: probe.logger)
        let read = try #require(try await store.read(name: name, logger: probe.logger))
        #expect(read.ids == nil && read.versionID != nil)
        let first = TokenSecret.generate(), second = TokenSecret.generate()

        // When both fill the version they read
        let firstPut = try await store.put(secretID: read.arn, ids: first, replacing: read.versionID, logger: probe.logger)
        let secondPut = try await store.put(secretID: read.arn, ids: second, replacing: read.versionID, logger: probe.logger)

        // Then the first one's IDs are the secret's, and the second writer is told to read again
        #expect(firstPut == .stored(arn: read.arn))
        #expect(secondPut == .superseded)
        #expect(try await store.read(name: name, logger: probe.logger)?.ids == first)

        // And a retry of the first write is a no-op success that changes nothing
        #expect(try await store.put(secretID: read.arn, ids: first, replacing: read.versionID, logger: probe.logger)
                == .stored(arn: read.arn))
        #expect(try await store.read(name: name, logger: probe.logger)?.ids == first)
    }
}
