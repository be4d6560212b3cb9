import Foundation
import Testing
@testable import Controller

/// Settings that no key reads are named: `MESH_` variables and file keys (issue 18, item 8).
extension MeshConfigurationTests {
    private static let apiKey = ["MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]

    /// A misspelled MESH_ variable is named; correctly spelled ones, of every section, are not.
    @Test func loadReport_whenMisspelledVariable_namesOnlyIt() async throws {
        // Given
        let environment = Self.apiKey.merging([
            "MESH_JOURNAL_BACKNED": "postgres",
            "MESH_SERVER_PUBLIC_PORT": "9000",
            "MESH_SERVER_MAX_BODY_BYTES": "2048",
            "MESH_SECRETS_PREFIX": "team",
            "MESH_WORK_BACKOFF_BASE_MILLIS": "100",
            "MESH_HEARTBEAT_TTL_SECONDS": "20",
            "MESH_ADMIN_TOKEN_FILE": "",
            "MESH_CONSUL_HTTP_ADDR": "http://127.0.0.1:8500",
            "CONSUL_HTTP_ADDR": "http://127.0.0.1:8500",
            "HOME": "/root",
        ]) { first, _ in first }
        // When
        let loaded = try await MeshConfiguration.loadReport(filePath: nil, environment: environment)
        // Then
        #expect(loaded.unknownVariables == ["MESH_JOURNAL_BACKNED"])
        #expect(loaded.unknownFileKeys.isEmpty)
        #expect(loaded.hasUnknownSettings)
        #expect(loaded.unknownSettingsDescription.contains("MESH_JOURNAL_BACKNED"))
        #expect(loaded.configuration.server.publicListener.port == 9000)
    }

    /// The heartbeat sidecar's variables and the repository's test-script variables are not settings
    /// of the controller, but are expected next to it and not reported.
    @Test func loadReport_whenSidecarAndToolingVariables_reportsNothing() async throws {
        // Given
        let environment = Self.apiKey.merging([
            "MESH_HEARTBEAT_URL": "http://controller:8080", "MESH_HEARTBEAT_TOKEN": "t",
            "MESH_INTEGRATION": "1", "MESH_CONTROLLER_BIN": "/bin/true",
            // what deploy/local/stack.sh's env file exports (run.sh runs check-config with it)
            "MESH_TEST_STACK_STATE_DIR": "/tmp/state", "MESH_TEST_POSTGRES_URL": "postgres://mesh@127.0.0.1:15432/mesh",
            "MESH_TEST_POSTGRES_ADMIN_URL": "postgres://postgres@127.0.0.1:15432/postgres", "MESH_TEST_POSTGRES_PID": "1",
        ]) { first, _ in first }
        // When
        let loaded = try await MeshConfiguration.loadReport(filePath: nil, environment: environment)
        // Then
        #expect(!loaded.hasUnknownSettings)
    }

    /// Unknown keys of a YAML file are named by their dotted path; known nested keys are not.
    @Test func loadReport_whenYAMLFileHasUnknownKeys_namesTheirPaths() async throws {
        // Given
        let path = try writeTemp("""
        server:
          public:
            port: 9090
            hots: 0.0.0.0
        webhook:
          apiKey: "0123456789abcdef-key"
          allowedClusters: ["apps"]
        journal:
          backned: postgres
        resync:
          intervalSeconds: 60
        """, ext: "yaml")
        // When
        let loaded = try await MeshConfiguration.loadReport(filePath: path, environment: [:])
        // Then
        #expect(loaded.unknownFileKeys == ["journal.backned", "server.public.hots"])
        #expect(loaded.unknownVariables.isEmpty)
        #expect(loaded.configuration.resync.intervalSeconds == 60)
    }

    /// The same for a JSON file; a key the well-known names usually set (consul.http.addr) is known.
    @Test func loadReport_whenJSONFileHasUnknownKey_namesIt() async throws {
        // Given
        let path = try writeTemp(
            #"{"consul":{"http":{"addr":"http://10.0.0.1:8500"}},"webhook":{"apiKey":"file-key-0123456789","apikey":"x"}}"#,
            ext: "json")
        // When
        let loaded = try await MeshConfiguration.loadReport(filePath: path, environment: ["CONSUL_HTTP_ADDR": "http://127.0.0.1:8500"])
        // Then
        #expect(loaded.unknownFileKeys == ["webhook.apikey"])
    }

    /// The variable names follow swift-configuration's encoding, with `mesh.` keys not prefixed twice.
    @Test(arguments: [
        ("server.public.port", "MESH_SERVER_PUBLIC_PORT"), ("server.maxBodyBytes", "MESH_SERVER_MAX_BODY_BYTES"),
        ("mesh.secretsPrefix", "MESH_SECRETS_PREFIX"), ("aws.endpoint.url", "MESH_AWS_ENDPOINT_URL"),
        ("log.level", "MESH_LOG_LEVEL"),
    ])
    func environmentName_whenKey_followsTheProviderSpelling(key: String, variable: String) {
        #expect(ConfigKeyRegistry.environmentName(forKey: key) == variable)
    }
}
