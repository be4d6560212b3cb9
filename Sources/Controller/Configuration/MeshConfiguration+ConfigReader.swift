import Configuration
public import ErrorClassification
import Foundation
import SystemPackage

/// Loading ``MeshConfiguration`` from a file and the environment.
///
/// Sources, first match wins:
/// 1. The names people already use for Consul and AWS: `CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`,
///    `CONSUL_CACERT`, `AWS_REGION` (else `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL`.
/// 2. `MESH_`-prefixed environment variables for every key: `server.public.port` is
///    `MESH_SERVER_PUBLIC_PORT`, `webhook.apiKey` is `MESH_WEBHOOK_API_KEY`, and keys under `mesh.`
///    are not prefixed twice: `mesh.secretsPrefix` is `MESH_SECRETS_PREFIX`.
/// 3. The configuration file (`.json`, `.yaml` or `.yml`), nested by the dots of the key.
///
/// A `MESH_` variable or a file key that no setting below reads (a misspelling such as
/// `MESH_JOURNAL_BACKNED`) is reported by ``loadReport(filePath:environment:)``: `serve` warns at
/// start, `check-config` fails. The keys known are the ones the settings read (``ConfigValueReader``
/// records them), so a new key is known as soon as a section reads it.
///
/// | key | type | default |
/// |---|---|---|
/// | `server.public.host` / `.port` | string / int | `127.0.0.1` / `8080` |
/// | `server.admin.host` / `.port` | string / int | `127.0.0.1` / `8081` |
/// | `server.maxBodyBytes` | int | 1048576 |
/// | `server.maxHeaderBytes` | int | 16384 |
/// | `server.connectionTimeoutSeconds` | double | 10 |
/// | `server.replyDeadlineSeconds` | double | 4 |
/// | `server.maxPendingRequests` | int | 4096 |
/// | `server.shutdownGraceSeconds` | double | 10 |
/// | `webhook.apiKeyHeader` | string | `x-api-key` |
/// | `webhook.apiKey` | secret string | none |
/// | `webhook.basicUsername` / `webhook.basicPassword` | secret strings | none |
/// | `webhook.allowedClusters` | string array (comma-separated in env) | all clusters |
/// | `webhook.retryAfterSeconds` | int | 2 |
/// | `journal.path` | string | `./ecs-mesh-journal.sqlite` |
/// | `journal.maxBatchSize` / `journal.maxQueuedEvents` | int | 1024 / 20000 |
/// | `journal.maxQueuedWorkerWrites` | int | 20000 |
/// | `journal.retentionDays` | double (0 = keep everything, else at least 1) | 14 |
/// | `journal.pruneIntervalSeconds` | double | 3600 |
/// | `journal.backend` | `sqlite` or `postgres` | `sqlite` |
/// | `journal.postgres.url` | libpq-style URL (`postgres://user@host:5432/db?sslmode=verify-full`) | none |
/// | `journal.postgres.passwordFile` / `journal.postgres.password` | path / secret string | none |
/// | `journal.postgres.maxConnections` | int | 10 |
/// | `journal.postgres.concurrentCommits` | int | 1 |
/// | `consul.http.addr` / `consul.http.token` / `consul.cacert` | string | `http://127.0.0.1:8500` / none / none |
/// | `aws.region` / `aws.endpoint.url` | string | none |
/// | `mesh.secretsPrefix` | string | `ecs-mesh` |
/// | `mesh.proxyPort` | int | 20000 |
/// | `mesh.tokenGraceSeconds` | double | 300 |
/// | `mesh.clientToken` | bool | false |
/// | `work.concurrency` | int | 64 |
/// | `work.maxAttempts` | int (failed attempts before a permanent failure parks) | 1 |
/// | `work.backoffBaseMillis` | int | 200 |
/// | `work.backoffCapSeconds` | double | 30 |
/// | `work.parkedRecheckSeconds` | double | 600 |
/// | `work.rescanSeconds` | double | 60 |
/// | `work.batchWindowMillis` | int | 2 |
/// | `work.maxInFlightBatches` | int | 2 |
/// | `resync.enabled` | bool | true |
/// | `resync.intervalSeconds` | double (0 = start and on demand only) | 300 |
/// | `resync.clusters` | string array (comma-separated in env) | `webhook.allowedClusters` |
/// | `heartbeat.ttlSeconds` | double | 15 (3× the sidecar's 5 s interval) |
/// | `heartbeat.maxBatch` | int | 100 |
/// | `log.level` | trace…critical | `info` |
/// | `log.format` | `text` or `json` | `text` |
/// | `admin.token` | secret string (16+ characters) | none: admin API answers 503 |
/// | `admin.tokenFile` | path of a file holding the token | none |
/// | `ha.leaseSeconds` | double (PostgreSQL journal only) | 10 |
/// | `ha.renewSeconds` | double (at most half the lease) | 2 |
/// | `ha.replicaId` | string (1–200 bytes) | host name + random suffix |
extension MeshConfiguration {
    /// Loads and validates a configuration.
    /// - Parameters:
    ///   - filePath: A JSON or YAML file, or `nil` for environment and defaults only.
    ///   - environment: The process environment (passed in so tests need not mutate the real one).
    /// - Throws: ``ConfigurationError`` naming the first key that is missing, mistyped or out of range.
    public static func load(filePath: String?, environment: [String: String]) async throws(ConfigurationError) -> MeshConfiguration {
        try await loadReport(filePath: filePath, environment: environment).configuration
    }

    /// Loads and validates a configuration, and names what no setting reads: `MESH_` variables and
    /// file keys that are misspelled or no longer used (see ``LoadedConfiguration``).
    /// - Parameters:
    ///   - otherVariables: `MESH_` variables that other parts of the same executable read (the
    ///     operator subcommands' `MESH_ADMIN_ADDR`), not reported as unknown.
    /// - Throws: ``ConfigurationError`` naming the first key that is missing, mistyped or out of range.
    public static func loadReport(filePath: String?, environment: [String: String],
                                  otherVariables: Set<String> = []) async throws(ConfigurationError) -> LoadedConfiguration {
        var providers: [any ConfigProvider] = [
            // `MESH_` + the key; keys already under `mesh.` are not prefixed twice (MESH_SECRETS_PREFIX).
            EnvironmentVariablesProvider(environmentVariables: environment).mapKeys { key in
                key.components.first == "mesh" ? key : key.prepending(ConfigKey("mesh"))
            }
        ]
        var fileKeys: [String] = []
        if let filePath {
            guard FileManager.default.fileExists(atPath: filePath) else {
                throw ConfigurationError(key: "--config", reason: "no such file: \(filePath)")
            }
            do {
                if filePath.hasSuffix(".yaml") || filePath.hasSuffix(".yml") {
                    providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(filePath)))
                } else {
                    providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(filePath)))
                }
                fileKeys = try ConfigFileKeys.keys(ofFileAt: filePath)
            } catch {
                throw ConfigurationError(key: "--config", reason: "cannot parse \(filePath): \(error)")
            }
        }
        let registry = ConfigKeyRegistry()
        let own = ConfigValueReader(reader: ConfigReader(providers: providers), registry: registry)
        let wellKnown = ConfigValueReader(
            reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)),
            registry: nil
        )
        let configuration = try build(own: own, wellKnown: wellKnown)
        return LoadedConfiguration(
            configuration: configuration,
            unknownVariables: registry.unknownVariables(in: environment).filter { !otherVariables.contains($0) },
            unknownFileKeys: registry.unknownFileKeys(fileKeys)
        )
    }

    /// Reads every setting, section by section, then checks the rules between them.
    private static func build(own: ConfigValueReader, wellKnown: ConfigValueReader) throws(ConfigurationError) -> MeshConfiguration {
        var config = MeshConfiguration()
        try config.server.read(from: own)
        try config.webhook.read(from: own)
        try config.journal.read(from: own)
        try readOutbound(into: &config, own: own, wellKnown: wellKnown)
        try config.mesh.read(from: own)
        try config.work.read(from: own)
        try config.resync.read(from: own)
        try config.heartbeat.read(from: own)
        try config.logging.read(from: own)
        try config.admin.read(from: own)
        try config.ha.read(from: own)
        try config.validate()
        return config
    }

    /// Consul and AWS: the names their own tools use come first (`CONSUL_HTTP_ADDR`, `AWS_REGION`).
    private static func readOutbound(
        into config: inout MeshConfiguration, own: ConfigValueReader, wellKnown: ConfigValueReader
    ) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        config.consul.httpAddr = try wellKnown.firstString(["consul.http.addr"], then: own) ?? defaults.consul.httpAddr
        config.consul.token = try wellKnown.firstString(["consul.http.token"], then: own)
        config.consul.caCertPath = try wellKnown.firstString(["consul.cacert"], then: own)
        config.aws.region = try wellKnown.firstString(["aws.region", "aws.default.region"], then: own, ownKey: "aws.region")
        config.aws.endpointURL = try wellKnown.firstString(["aws.endpoint.url"], then: own)
    }

    /// Cross-field rules that no single key can express, checked in this order (the first broken
    /// one is reported).
    public func validate() throws(ConfigurationError) {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logging.level) else {
            throw ConfigurationError(key: "log.level", reason: "must be one of \(levels.joined(separator: ", ")) (got \"\(logging.level)\")")
        }
        try validateWebhook()
        if !Self.isSecretNamePrefix(mesh.secretsPrefix) {
            throw ConfigurationError(
                key: "mesh.secretsPrefix",
                reason: "\"\(mesh.secretsPrefix)\" is not usable in a Secrets Manager name (1-400 characters: letters, digits, /_+=.@-)"
            )
        }
        if Double(work.backoffBaseMillis) / 1000 > work.backoffCapSeconds {
            throw ConfigurationError(key: "work.backoffBaseMillis", reason: "must not exceed work.backoffCapSeconds")
        }
        try validateJournal()
        try validateEndpoints()
    }

    /// The event webhook's authentication: never unauthenticated, and each scheme complete.
    private func validateWebhook() throws(ConfigurationError) {
        guard webhook.apiKey != nil || (webhook.basicUsername != nil && webhook.basicPassword != nil) else {
            throw ConfigurationError(
                key: "webhook.apiKey",
                reason: "set an API key (or webhook.basicUsername and webhook.basicPassword): the event webhook never runs unauthenticated"
            )
        }
        if let apiKey = webhook.apiKey, apiKey.count < 16 {
            throw ConfigurationError(key: "webhook.apiKey", reason: "must be at least 16 characters long")
        }
        if (webhook.basicUsername == nil) != (webhook.basicPassword == nil) {
            throw ConfigurationError(key: "webhook.basicPassword", reason: "basic auth needs both a username and a password")
        }
        if !Self.isHeaderToken(webhook.apiKeyHeader) {
            throw ConfigurationError(key: "webhook.apiKeyHeader", reason: "\"\(webhook.apiKeyHeader)\" is not a valid HTTP header name")
        }
    }

    /// The journal backend's settings, and retention.
    private func validateJournal() throws(ConfigurationError) {
        switch journal.backend {
        case .sqlite:
            if journal.path.isEmpty {
                throw ConfigurationError(key: "journal.path", reason: "must not be empty")
            }
            if journal.postgres.url != nil {
                throw ConfigurationError(key: "journal.backend",
                                         reason: "is sqlite, but journal.postgres.url is set: set journal.backend to postgres, or unset the URL")
            }
        case .postgres:
            try journal.postgres.validate()
        }
        if journal.retentionDays != 0 && journal.retentionDays < 1 {
            throw ConfigurationError(
                key: "journal.retentionDays",
                reason: "must be 0 (keep everything) or at least 1: EventBridge retries deliveries for up to 24 hours"
            )
        }
    }

    /// The addresses the controller reaches (Consul, AWS) and serves on (its two listeners), and
    /// the admin token.
    private func validateEndpoints() throws(ConfigurationError) {
        guard let consulURL = URL(string: consul.httpAddr.contains("://") ? consul.httpAddr : "http://\(consul.httpAddr)"),
              consulURL.host != nil, ["http", "https"].contains(consulURL.scheme ?? "")
        else {
            throw ConfigurationError(key: "consul.http.addr", reason: "\"\(consul.httpAddr)\" is not an http(s) address")
        }
        if let endpoint = aws.endpointURL, URL(string: endpoint)?.host == nil {
            throw ConfigurationError(key: "aws.endpoint.url", reason: "\"\(endpoint)\" is not a URL")
        }
        if let token = admin.token, token.count < 16 {
            throw ConfigurationError(key: "admin.token", reason: "must be at least 16 characters long")
        }
        if server.publicListener == server.adminListener && server.publicListener.port != 0 {
            throw ConfigurationError(key: "server.admin.port", reason: "the admin listener cannot share the public listener's address")
        }
    }

    /// Secrets Manager names allow letters, digits and `/_+=.@-`; the prefix leaves room for a service name.
    private static func isSecretNamePrefix(_ prefix: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-")
        return (1...400).contains(prefix.count) && prefix.allSatisfy { allowed.contains($0) }
    }

    private static func isHeaderToken(_ name: String) -> Bool {
        let allowed = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return !name.isEmpty && name.allSatisfy { allowed.contains($0) }
    }
}
