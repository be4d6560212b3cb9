import ErrorClassification
import Foundation
import Testing
@testable import Controller

struct MeshConfigurationTests {
    func writeTemp(_ contents: String, ext: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("mesh-config-\(UUID().uuidString).\(ext)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A YAML file is read with its nesting, and defaults fill the rest.
    @Test func load_whenYAMLFile_readsNestedKeysAndDefaults() async throws {
        // Given
        let path = try writeTemp("""
        server:
          public:
            port: 9090
        webhook:
          apiKey: "0123456789abcdef-key"
          allowedClusters: ["apps", "arn:aws:ecs:us-east-1:111122223333:cluster/batch"]
        journal:
          path: /tmp/x.sqlite
        """, ext: "yaml")
        // When
        let config = try await MeshConfiguration.load(filePath: path, environment: [:])
        // Then
        #expect(config.server.publicListener.port == 9090)
        #expect(config.server.adminListener.port == 8081)
        #expect(config.webhook.apiKey == "0123456789abcdef-key")
        #expect(config.webhook.allowedClusters.count == 2)
        #expect(config.journal.path == "/tmp/x.sqlite")
    }

    /// The names people already use for Consul and AWS override the file; MESH_ variables override our keys.
    @Test func load_whenEnvironmentSet_overridesFile() async throws {
        // Given
        let path = try writeTemp(#"{"consul":{"http":{"addr":"http://10.0.0.1:8500"}},"webhook":{"apiKey":"file-key-0123456789"}}"#, ext: "json")
        let environment = [
            "CONSUL_HTTP_ADDR": "http://127.0.0.1:18500",
            "CONSUL_HTTP_TOKEN": "secret-token",
            "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:15000",
            "MESH_WEBHOOK_API_KEY": "env-key-0123456789ab",
            "MESH_SERVER_PUBLIC_PORT": "7000",
            "MESH_WEBHOOK_ALLOWED_CLUSTERS": "apps,batch",
            "MESH_SECRETS_PREFIX": "team-a",
            "MESH_PROXY_PORT": "21000",
        ]
        // When
        let config = try await MeshConfiguration.load(filePath: path, environment: environment)
        // Then
        #expect(config.consul.httpAddr == "http://127.0.0.1:18500")
        #expect(config.consul.token == "secret-token")
        #expect(config.aws.region == "eu-west-1")
        #expect(config.aws.endpointURL == "http://127.0.0.1:15000")
        #expect(config.webhook.apiKey == "env-key-0123456789ab")
        #expect(config.server.publicListener.port == 7000)
        #expect(config.webhook.allowedClusters == ["apps", "batch"])
        #expect(config.mesh.secretsPrefix == "team-a")
        #expect(config.mesh.proxyPort == 21000)
    }

    /// A value of the wrong type fails and the error names the key.
    @Test func load_whenPortIsNotANumber_failsNamingTheKey() async throws {
        // Given
        let environment = ["MESH_SERVER_PUBLIC_PORT": "eighty", "MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]
        // When / Then
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: environment)
        }
        #expect(error?.key == "server.public.port")
    }

    /// An out-of-range value fails naming the key.
    @Test func load_whenPortOutOfRange_failsNamingTheKey() async throws {
        let environment = ["MESH_SERVER_ADMIN_PORT": "70000", "MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: environment)
        }
        #expect(error?.key == "server.admin.port")
    }

    /// The webhook never runs without credentials.
    @Test func load_whenNoWebhookCredentials_fails() async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: [:])
        }
        #expect(error?.key == "webhook.apiKey")
    }

    /// An unknown log format is refused.
    @Test func load_whenUnknownLogFormat_failsNamingTheKey() async throws {
        let environment = ["MESH_LOG_FORMAT": "xml", "MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: environment)
        }
        #expect(error?.key == "log.format")
    }

    /// Retention defaults to 14 days, can be turned off with 0, and is never shorter than EventBridge's
    /// one-day retry window.
    @Test func load_journalRetention_defaultsOffAndMinimum() async throws {
        let key = ["MESH_WEBHOOK_API_KEY": "0123456789abcdef-key"]
        let defaults = try await MeshConfiguration.load(filePath: nil, environment: key)
        #expect(defaults.journal.retentionDays == 14)
        #expect(defaults.journal.pruneIntervalSeconds == 3600)

        let off = try await MeshConfiguration.load(filePath: nil, environment: key.merging(["MESH_JOURNAL_RETENTION_DAYS": "0"]) { $1 })
        #expect(off.journal.retentionDays == 0)
        #expect(off.redactedSummary["journal.retentionDays"] == "0 (keep everything)")

        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: nil, environment: key.merging(["MESH_JOURNAL_RETENTION_DAYS": "0.5"]) { $1 })
        }
        #expect(error?.key == "journal.retentionDays")
    }

    /// A missing file is an error, not silently ignored.
    @Test func load_whenFileMissing_fails() async throws {
        let error = await #expect(throws: ConfigurationError.self) {
            try await MeshConfiguration.load(filePath: "/nonexistent/mesh.yaml", environment: [:])
        }
        #expect(error?.key == "--config")
    }

    /// The summary never shows a secret.
    @Test func redactedSummary_neverContainsSecrets() async throws {
        let environment = ["MESH_WEBHOOK_API_KEY": "super-secret-key-0123", "CONSUL_HTTP_TOKEN": "consul-secret-token"]
        let config = try await MeshConfiguration.load(filePath: nil, environment: environment)
        let text = config.redactedSummary.values.joined(separator: " ")
        #expect(!text.contains("super-secret-key-0123"))
        #expect(!text.contains("consul-secret-token"))
    }
}
