import ErrorClassification
import Foundation
import Testing
@testable import Controller

/// The `resync.*` configuration keys.
struct ResyncConfigurationTests {
    private let key = ["MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]

    /// Without resync keys: every 300 s over the webhook's allowed clusters.
    @Test func load_whenNoResyncKeys_usesDefaultsAndAllowedClusters() async throws {
        // Given / When
        let config = try await MeshConfiguration.load(filePath: nil, environment: key.merging(
            ["MESH_WEBHOOK_ALLOWED_CLUSTERS": "apps,batch"]) { _, new in new })
        // Then
        #expect(config.resync.intervalSeconds == 300)
        #expect(config.resync.enabled)
        #expect(config.resync.effectiveClusters(allowed: config.webhook.allowedClusters) == ["apps", "batch"])
    }

    /// The environment names the interval and the clusters.
    @Test func load_whenResyncEnvironment_readsIntervalAndClusters() async throws {
        // Given / When
        let config = try await MeshConfiguration.load(filePath: nil, environment: key.merging([
            "MESH_RESYNC_INTERVAL_SECONDS": "12.5",
            "MESH_RESYNC_CLUSTERS": "arn:aws:ecs:us-east-1:111122223333:cluster/apps",
        ]) { _, new in new })
        // Then
        #expect(config.resync.intervalSeconds == 12.5)
        #expect(config.resync.effectiveClusters(allowed: ["other"]) == ["arn:aws:ecs:us-east-1:111122223333:cluster/apps"])
    }

    /// A negative interval is refused, naming the key.
    @Test func load_whenIntervalNegative_failsNamingTheKey() async throws {
        // Given / When / Then
        await #expect(throws: ConfigurationError.self) {
            _ = try await MeshConfiguration.load(filePath: nil, environment: key.merging(
                ["MESH_RESYNC_INTERVAL_SECONDS": "-1"]) { _, new in new })
        }
    }
}
