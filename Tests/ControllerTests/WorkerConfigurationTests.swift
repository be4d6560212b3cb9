import ErrorClassification
import Foundation
import Testing
@testable import Controller

/// The configuration keys of the workers (`mesh.*`, `work.*`).
struct WorkerConfigurationTests {
    private static let apiKey = ["MESH_WEBHOOK_API_KEY": "worker-config-key-0123456789"]

    /// Without settings the workers get consul-ecs's defaults.
    @Test func load_whenNothingSet_usesWorkerDefaults() async throws {
        // When
        let config = try await MeshConfiguration.load(filePath: nil, environment: Self.apiKey)
        // Then
        #expect(config.mesh.secretsPrefix == "ecs-mesh")
        #expect(config.mesh.proxyPort == 20000)
        #expect(config.mesh.tokenGraceSeconds == 300)
        #expect(config.mesh.clientToken == false)
        #expect(config.work.concurrency == 64)
        #expect(config.work.maxAttempts == 1)
        #expect(config.work.backoffBaseMillis == 200)
        #expect(config.work.backoffCapSeconds == 30)
        #expect(config.work.parkedRecheckSeconds == 600)
        #expect(config.work.rescanSeconds == 60)
        #expect(config.work.batchWindowMillis == 2)
        #expect(config.work.maxInFlightBatches == 2)
    }

    /// Every worker key can be set from `MESH_`-prefixed environment variables.
    @Test func load_whenEnvironmentSetsWorkerKeys_usesThem() async throws {
        // Given
        let environment = Self.apiKey.merging([
            "MESH_SECRETS_PREFIX": "prod-mesh", "MESH_PROXY_PORT": "21000",
            "MESH_TOKEN_GRACE_SECONDS": "60", "MESH_CLIENT_TOKEN": "true",
            "MESH_WORK_CONCURRENCY": "16", "MESH_WORK_MAX_ATTEMPTS": "5",
            "MESH_WORK_BACKOFF_BASE_MILLIS": "100", "MESH_WORK_BACKOFF_CAP_SECONDS": "10",
            "MESH_WORK_PARKED_RECHECK_SECONDS": "120", "MESH_WORK_RESCAN_SECONDS": "15",
            "MESH_WORK_BATCH_WINDOW_MILLIS": "0", "MESH_WORK_MAX_IN_FLIGHT_BATCHES": "8",
        ]) { $1 }
        // When
        let config = try await MeshConfiguration.load(filePath: nil, environment: environment)
        // Then
        #expect(config.mesh.secretsPrefix == "prod-mesh")
        #expect(config.mesh.proxyPort == 21000)
        #expect(config.mesh.tokenGraceSeconds == 60)
        #expect(config.mesh.clientToken)
        #expect(config.work.concurrency == 16)
        #expect(config.work.maxAttempts == 5)
        #expect(config.work.backoffBaseMillis == 100)
        #expect(config.work.backoffCapSeconds == 10)
        #expect(config.work.parkedRecheckSeconds == 120)
        #expect(config.work.rescanSeconds == 15)
        #expect(config.work.batchWindowMillis == 0)
        #expect(config.work.maxInFlightBatches == 8)
    }

    /// A batch window or in-flight count out of range is refused, naming the key.
    @Test(arguments: [("MESH_WORK_BATCH_WINDOW_MILLIS", "1001", "work.batchWindowMillis"),
                      ("MESH_WORK_MAX_IN_FLIGHT_BATCHES", "0", "work.maxInFlightBatches")])
    func load_whenBatchingOutOfRange_failsNamingTheKey(variable: String, value: String, key: String) async throws {
        // Given
        let environment = Self.apiKey.merging([variable: value]) { $1 }
        // When / Then
        await #expect { try await MeshConfiguration.load(filePath: nil, environment: environment) } throws: { error in
            (error as? ConfigurationError)?.key == key
        }
    }

    /// A configuration file written for the old queue (maxAttempts 10 or 1000) still loads: the
    /// key now bounds only how often a permanent failure is tried before its key parks.
    @Test func load_whenFileSetsOldMaxAttempts_stillLoads() async throws {
        // Given
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("worker-config-\(UUID().uuidString).json").path
        try #"{"work": {"maxAttempts": 1000, "parkedRecheckSeconds": 30}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // When
        let config = try await MeshConfiguration.load(filePath: path, environment: Self.apiKey)
        // Then
        #expect(config.work.maxAttempts == 1000)
        #expect(config.work.parkedRecheckSeconds == 30)
    }

    /// Unusable values name their key.
    @Test func load_whenWorkerValuesInvalid_namesTheKey() async throws {
        // Given / When / Then
        for (variable, key) in [("MESH_SECRETS_PREFIX", "mesh.secretsPrefix"), ("MESH_WORK_CONCURRENCY", "work.concurrency"),
                                ("MESH_CLIENT_TOKEN", "mesh.clientToken"),
                                ("MESH_WORK_PARKED_RECHECK_SECONDS", "work.parkedRecheckSeconds")] {
            let value = variable == "MESH_SECRETS_PREFIX" ? "bad prefix!" : "lots"
            let error = await #expect(throws: ConfigurationError.self) {
                try await MeshConfiguration.load(filePath: nil, environment: Self.apiKey.merging([variable: value]) { $1 })
            }
            #expect(error?.key == key)
        }
    }
}
