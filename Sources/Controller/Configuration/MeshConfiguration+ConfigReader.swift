import Configuration
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
/// | `consul.http.addr` / `consul.http.token` / `consul.cacert` | string | `http://127.0.0.1:8500` / none / none |
/// | `aws.region` / `aws.endpoint.url` | string | none |
/// | `mesh.secretsPrefix` | string | `ecs-mesh` |
/// | `mesh.proxyPort` | int | 20000 |
/// | `mesh.tokenGraceSeconds` | double | 300 |
/// | `mesh.clientToken` | bool | false |
/// | `work.concurrency` | int | 8 |
/// | `work.maxAttempts` | int (failed attempts before a permanent failure parks) | 1 |
/// | `work.backoffBaseMillis` | int | 200 |
/// | `work.backoffCapSeconds` | double | 30 |
/// | `work.parkedRecheckSeconds` | double | 600 |
/// | `work.rescanSeconds` | double | 60 |
/// | `resync.enabled` | bool | true |
/// | `resync.intervalSeconds` | double (0 = start and on demand only) | 300 |
/// | `resync.clusters` | string array (comma-separated in env) | `webhook.allowedClusters` |
/// | `heartbeat.ttlSeconds` | double | 15 (3× the sidecar's 5 s interval) |
/// | `heartbeat.maxBatch` | int | 100 |
/// | `log.level` | trace…critical | `info` |
/// | `log.format` | `text` or `json` | `text` |
/// | `admin.token` | secret string (16+ characters) | none: admin API answers 503 |
/// | `admin.tokenFile` | path of a file holding the token | none |
extension MeshConfiguration {
    /// Loads and validates a configuration.
    /// - Parameters:
    ///   - filePath: A JSON or YAML file, or `nil` for environment and defaults only.
    ///   - environment: The process environment (passed in so tests need not mutate the real one).
    /// - Throws: ``ConfigurationError`` naming the first key that is missing, mistyped or out of range.
    public static func load(filePath: String?, environment: [String: String]) async throws(ConfigurationError) -> MeshConfiguration {
        var providers: [any ConfigProvider] = [
            // `MESH_` + the key; keys already under `mesh.` are not prefixed twice (MESH_SECRETS_PREFIX).
            EnvironmentVariablesProvider(environmentVariables: environment).mapKeys { key in
                key.components.first == "mesh" ? key : key.prepending(ConfigKey("mesh"))
            }
        ]
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
            } catch {
                throw ConfigurationError(key: "--config", reason: "cannot parse \(filePath): \(error)")
            }
        }
        let own = ValidatingReader(reader: ConfigReader(providers: providers), envPrefix: "MESH_")
        let wellKnown = ValidatingReader(
            reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)),
            envPrefix: ""
        )
        return try build(own: own, wellKnown: wellKnown, environment: environment)
    }

    private static func build(
        own: ValidatingReader, wellKnown: ValidatingReader, environment: [String: String]
    ) throws(ConfigurationError) -> MeshConfiguration {
        var config = MeshConfiguration()
        let defaults = config

        config.server.publicListener.host = try own.string("server.public.host", default: defaults.server.publicListener.host)
        config.server.publicListener.port = try own.int("server.public.port", default: defaults.server.publicListener.port, in: 0...65535)
        config.server.adminListener.host = try own.string("server.admin.host", default: defaults.server.adminListener.host)
        config.server.adminListener.port = try own.int("server.admin.port", default: defaults.server.adminListener.port, in: 0...65535)
        config.server.maxBodyBytes = try own.int("server.maxBodyBytes", default: defaults.server.maxBodyBytes, in: 1024...(64 << 20))
        config.server.maxHeaderBytes = try own.int("server.maxHeaderBytes", default: defaults.server.maxHeaderBytes, in: 1024...(1 << 20))
        config.server.connectionTimeoutSeconds = try own.double("server.connectionTimeoutSeconds", default: defaults.server.connectionTimeoutSeconds, in: 0.1...3600)
        config.server.replyDeadlineSeconds = try own.double("server.replyDeadlineSeconds", default: defaults.server.replyDeadlineSeconds, in: 0.05...60)
        config.server.maxPendingRequests = try own.int("server.maxPendingRequests", default: defaults.server.maxPendingRequests, in: 1...1_000_000)
        config.server.shutdownGraceSeconds = try own.double("server.shutdownGraceSeconds", default: defaults.server.shutdownGraceSeconds, in: 0...600)

        config.webhook.apiKeyHeader = try own.string("webhook.apiKeyHeader", default: defaults.webhook.apiKeyHeader)
        config.webhook.apiKey = try own.optionalString("webhook.apiKey")
        config.webhook.basicUsername = try own.optionalString("webhook.basicUsername")
        config.webhook.basicPassword = try own.optionalString("webhook.basicPassword")
        config.webhook.allowedClusters = try own.stringArray("webhook.allowedClusters")
        config.webhook.retryAfterSeconds = try own.int("webhook.retryAfterSeconds", default: defaults.webhook.retryAfterSeconds, in: 1...3600)

        config.journal.path = try own.string("journal.path", default: defaults.journal.path)
        config.journal.maxBatchSize = try own.int("journal.maxBatchSize", default: defaults.journal.maxBatchSize, in: 1...100_000)
        config.journal.maxQueuedEvents = try own.int("journal.maxQueuedEvents", default: defaults.journal.maxQueuedEvents, in: 1...10_000_000)
        config.journal.maxQueuedWorkerWrites = try own.int("journal.maxQueuedWorkerWrites",
                                                           default: defaults.journal.maxQueuedWorkerWrites, in: 1...10_000_000)
        config.journal.retentionDays = try own.double("journal.retentionDays", default: defaults.journal.retentionDays, in: 0...36_500)
        config.journal.pruneIntervalSeconds = try own.double("journal.pruneIntervalSeconds", default: defaults.journal.pruneIntervalSeconds, in: 1...86400)

        config.consul.httpAddr = try wellKnown.firstString(["consul.http.addr"], then: own) ?? defaults.consul.httpAddr
        config.consul.token = try wellKnown.firstString(["consul.http.token"], then: own)
        config.consul.caCertPath = try wellKnown.firstString(["consul.cacert"], then: own)
        config.aws.region = try wellKnown.firstString(["aws.region", "aws.default.region"], then: own, ownKey: "aws.region")
        config.aws.endpointURL = try wellKnown.firstString(["aws.endpoint.url"], then: own)

        config.mesh.secretsPrefix = try own.string("mesh.secretsPrefix", default: defaults.mesh.secretsPrefix)
        config.mesh.proxyPort = try own.int("mesh.proxyPort", default: defaults.mesh.proxyPort, in: 1...65535)
        config.mesh.tokenGraceSeconds = try own.double("mesh.tokenGraceSeconds", default: defaults.mesh.tokenGraceSeconds, in: 0...(30 * 86400))
        config.mesh.clientToken = try own.bool("mesh.clientToken", default: defaults.mesh.clientToken)
        config.work.concurrency = try own.int("work.concurrency", default: defaults.work.concurrency, in: 1...1024)
        config.work.maxAttempts = try own.int("work.maxAttempts", default: defaults.work.maxAttempts, in: 1...1000)
        config.work.backoffBaseMillis = try own.int("work.backoffBaseMillis", default: defaults.work.backoffBaseMillis, in: 1...600_000)
        config.work.backoffCapSeconds = try own.double("work.backoffCapSeconds", default: defaults.work.backoffCapSeconds, in: 0.001...86400)
        config.work.parkedRecheckSeconds = try own.double("work.parkedRecheckSeconds", default: defaults.work.parkedRecheckSeconds, in: 1...86400)
        config.work.rescanSeconds = try own.double("work.rescanSeconds", default: defaults.work.rescanSeconds, in: 1...86400)
        config.resync.enabled = try own.bool("resync.enabled", default: defaults.resync.enabled)
        config.resync.intervalSeconds = try own.double("resync.intervalSeconds", default: defaults.resync.intervalSeconds, in: 0...86400)
        config.resync.clusters = try own.stringArray("resync.clusters")

        config.heartbeat.ttlSeconds = try own.double("heartbeat.ttlSeconds", default: defaults.heartbeat.ttlSeconds, in: 0.1...86400)
        config.heartbeat.maxBatch = try own.int("heartbeat.maxBatch", default: defaults.heartbeat.maxBatch, in: 1...10_000)

        config.logging.level = try own.string("log.level", default: defaults.logging.level)
        let format = try own.string("log.format", default: defaults.logging.format.rawValue)
        guard let parsedFormat = Logging.Format(rawValue: format) else {
            throw ConfigurationError(key: "log.format", reason: "must be one of text, json (got \"\(format)\")")
        }
        config.logging.format = parsedFormat

        config.admin.tokenFile = try own.optionalString("admin.tokenFile")
        if let token = try own.optionalString("admin.token") {
            config.admin.token = token
        } else {
            config.admin.token = try readTokenFile(config.admin.tokenFile)
        }

        try config.validate()
        return config
    }

    /// Cross-field rules that no single key can express.
    public func validate() throws(ConfigurationError) {
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logging.level) else {
            throw ConfigurationError(key: "log.level", reason: "must be one of \(levels.joined(separator: ", ")) (got \"\(logging.level)\")")
        }
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
        if !Self.isSecretNamePrefix(mesh.secretsPrefix) {
            throw ConfigurationError(
                key: "mesh.secretsPrefix",
                reason: "\"\(mesh.secretsPrefix)\" is not usable in a Secrets Manager name (1-400 characters: letters, digits, /_+=.@-)"
            )
        }
        if Double(work.backoffBaseMillis) / 1000 > work.backoffCapSeconds {
            throw ConfigurationError(key: "work.backoffBaseMillis", reason: "must not exceed work.backoffCapSeconds")
        }
        if journal.path.isEmpty {
            throw ConfigurationError(key: "journal.path", reason: "must not be empty")
        }
        if journal.retentionDays != 0 && journal.retentionDays < 1 {
            throw ConfigurationError(
                key: "journal.retentionDays",
                reason: "must be 0 (keep everything) or at least 1: EventBridge retries deliveries for up to 24 hours"
            )
        }
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

    /// The admin token from `admin.tokenFile`, trimmed; an unreadable or empty file is an error.
    private static func readTokenFile(_ path: String?) throws(ConfigurationError) -> String? {
        guard let path else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(key: "admin.tokenFile", reason: "cannot read \(path)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw ConfigurationError(key: "admin.tokenFile", reason: "\(path) is empty")
        }
        return token
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

/// Reads typed values and turns "present but unusable" into an error that names the key, where
/// swift-configuration's default-taking getters would silently fall back to the default.
private struct ValidatingReader {
    var reader: ConfigReader
    /// How the key is spelled in the environment, for messages.
    var envPrefix: String

    func string(_ key: String, default fallback: String) throws(ConfigurationError) -> String {
        try optionalString(key) ?? fallback
    }

    /// The first of `keys` set here, else `ownKey` (default: the first key) in `fallback`.
    func firstString(_ keys: [String], then fallback: ValidatingReader, ownKey: String? = nil) throws(ConfigurationError) -> String? {
        for key in keys {
            if let value = try optionalString(key) { return value }
        }
        return try fallback.optionalString(ownKey ?? keys[0])
    }

    func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        let value = try lookup(key) { try reader.requiredString(forKey: ConfigKey(key), isSecret: true) }
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = try lookup(key, { try reader.requiredInt(forKey: ConfigKey(key)) }) else { return fallback }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        try lookup(key) { try reader.requiredBool(forKey: ConfigKey(key)) } ?? fallback
    }

    func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
        let value = try lookup(key) { () throws -> Double in
            do {
                return try reader.requiredDouble(forKey: ConfigKey(key))
            } catch {
                // Whole numbers in a file arrive as ints.
                return Double(try reader.requiredInt(forKey: ConfigKey(key)))
            }
        }
        guard let value else { return fallback }
        guard range.contains(value) else {
            throw ConfigurationError(key: key, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    func stringArray(_ key: String) throws(ConfigurationError) -> [String] {
        let values = try lookup(key) { try reader.requiredStringArray(forKey: ConfigKey(key)) }
        return (values ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Runs a required getter: a missing key is `nil`, any other failure names the key.
    private func lookup<Value>(_ key: String, _ read: () throws -> Value) throws(ConfigurationError) -> Value? {
        do {
            return try read()
        } catch {
            // swift-configuration's error enum is package-internal, so its description is all we
            // can tell "missing" from "not convertible" by.
            if String(describing: error).hasPrefix("Missing required config value") {
                return nil
            }
            let envName = envPrefix + key.split(separator: ".").map { component in
                component.reduce(into: "") { name, character in
                    if character.isUppercase, let last = name.last, last.isLowercase { name.append("_") }
                    name.append(character)
                }.uppercased()
            }.joined(separator: "_")
            throw ConfigurationError(key: key, reason: "has a value of the wrong type (file key \(key), env \(envName))")
        }
    }
}
