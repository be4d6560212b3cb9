import ErrorClassification
import Testing
@testable import Controller

/// The `heartbeat.*` configuration keys.
struct HeartbeatConfigurationTests {
    static let apiKey = ["MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]

    /// Defaults: a 15 s TTL (3× the sidecar's 5 s interval), batches of 100; both in the redacted summary.
    @Test func load_whenUnset_defaults() async throws {
        // Given / When
        let config = try await MeshConfiguration.load(filePath: nil, environment: Self.apiKey)
        // Then
        #expect(config.heartbeat.ttlSeconds == 15)
        #expect(config.heartbeat.maxBatch == 100)
        #expect(config.redactedSummary["heartbeat.ttlSeconds"] == "15.0")
    }

    /// MESH_HEARTBEAT_TTL_SECONDS and MESH_HEARTBEAT_MAX_BATCH set the keys.
    @Test func load_whenEnvironmentSet_readsKeys() async throws {
        // Given
        let environment = Self.apiKey.merging(["MESH_HEARTBEAT_TTL_SECONDS": "2.5", "MESH_HEARTBEAT_MAX_BATCH": "10"]) { $1 }
        // When
        let config = try await MeshConfiguration.load(filePath: nil, environment: environment)
        // Then
        #expect(config.heartbeat.ttlSeconds == 2.5)
        #expect(config.heartbeat.maxBatch == 10)
    }

    /// A TTL out of range is an error naming the key.
    @Test func load_whenTTLZero_errorNamesKey() async {
        // Given
        let environment = Self.apiKey.merging(["MESH_HEARTBEAT_TTL_SECONDS": "0"]) { $1 }
        // When / Then
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: environment)
        }
        #expect(error?.key == "heartbeat.ttlSeconds")
    }
}
