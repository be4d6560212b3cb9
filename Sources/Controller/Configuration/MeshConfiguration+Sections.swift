import ErrorClassification
import Foundation

// Each section of ``MeshConfiguration`` reads its own keys (listed in `MeshConfiguration+ConfigReader.swift`),
// falling back to `MeshConfiguration()`'s defaults. Ranges are checked here; rules between keys in
// `validate()`. `deploy/checks/config_docs.py` reads these calls (`own.<type>("key", default:
// defaults.<path>, in: <range>)`) to generate docs/configuration.md.

extension MeshConfiguration.Server {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        publicListener.host = try own.string("server.public.host", default: defaults.server.publicListener.host)
        publicListener.port = try own.int("server.public.port", default: defaults.server.publicListener.port, in: 0...65535)
        adminListener.host = try own.string("server.admin.host", default: defaults.server.adminListener.host)
        adminListener.port = try own.int("server.admin.port", default: defaults.server.adminListener.port, in: 0...65535)
        maxBodyBytes = try own.int("server.maxBodyBytes", default: defaults.server.maxBodyBytes, in: 1024...(64 << 20))
        maxHeaderBytes = try own.int("server.maxHeaderBytes", default: defaults.server.maxHeaderBytes, in: 1024...(1 << 20))
        connectionTimeoutSeconds = try own.double("server.connectionTimeoutSeconds", default: defaults.server.connectionTimeoutSeconds, in: 0.1...3600)
        replyDeadlineSeconds = try own.double("server.replyDeadlineSeconds", default: defaults.server.replyDeadlineSeconds, in: 0.05...60)
        maxPendingRequests = try own.int("server.maxPendingRequests", default: defaults.server.maxPendingRequests, in: 1...1_000_000)
        shutdownGraceSeconds = try own.double("server.shutdownGraceSeconds", default: defaults.server.shutdownGraceSeconds, in: 0...600)
    }
}

extension MeshConfiguration.Webhook {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        apiKeyHeader = try own.string("webhook.apiKeyHeader", default: defaults.webhook.apiKeyHeader)
        apiKey = try own.optionalString("webhook.apiKey")
        basicUsername = try own.optionalString("webhook.basicUsername")
        basicPassword = try own.optionalString("webhook.basicPassword")
        allowedClusters = try own.stringArray("webhook.allowedClusters")
        retryAfterSeconds = try own.int("webhook.retryAfterSeconds", default: defaults.webhook.retryAfterSeconds, in: 1...3600)
    }
}

extension MeshConfiguration.Journal {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        path = try own.string("journal.path", default: defaults.journal.path)
        maxBatchSize = try own.int("journal.maxBatchSize", default: defaults.journal.maxBatchSize, in: 1...100_000)
        maxQueuedEvents = try own.int("journal.maxQueuedEvents", default: defaults.journal.maxQueuedEvents, in: 1...10_000_000)
        maxQueuedWorkerWrites = try own.int("journal.maxQueuedWorkerWrites",
                                            default: defaults.journal.maxQueuedWorkerWrites, in: 1...10_000_000)
        retentionDays = try own.double("journal.retentionDays", default: defaults.journal.retentionDays, in: 0...36_500)
        pruneIntervalSeconds = try own.double("journal.pruneIntervalSeconds", default: defaults.journal.pruneIntervalSeconds, in: 1...86400)
        let backendName = try own.string("journal.backend", default: defaults.journal.backend.rawValue)
        guard let parsed = Backend(rawValue: backendName) else {
            throw ConfigurationError(key: "journal.backend", reason: "must be one of sqlite, postgres (got \"\(backendName)\")")
        }
        backend = parsed
        postgres.url = try own.optionalString("journal.postgres.url")
        postgres.passwordFile = try own.optionalString("journal.postgres.passwordFile")
        postgres.password = try own.optionalString("journal.postgres.password")
        postgres.maxConnections = try own.int("journal.postgres.maxConnections",
                                              default: defaults.journal.postgres.maxConnections, in: 1...1000)
        postgres.concurrentCommits = try own.int("journal.postgres.concurrentCommits",
                                                 default: defaults.journal.postgres.concurrentCommits, in: 1...64)
    }
}

extension MeshConfiguration.Mesh {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        secretsPrefix = try own.string("mesh.secretsPrefix", default: defaults.mesh.secretsPrefix)
        proxyPort = try own.int("mesh.proxyPort", default: defaults.mesh.proxyPort, in: 1...65535)
        tokenGraceSeconds = try own.double("mesh.tokenGraceSeconds", default: defaults.mesh.tokenGraceSeconds, in: 0...(30 * 86400))
        clientToken = try own.bool("mesh.clientToken", default: defaults.mesh.clientToken)
    }
}

extension MeshConfiguration.Work {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        concurrency = try own.int("work.concurrency", default: defaults.work.concurrency, in: 1...1024)
        maxAttempts = try own.int("work.maxAttempts", default: defaults.work.maxAttempts, in: 1...1000)
        backoffBaseMillis = try own.int("work.backoffBaseMillis", default: defaults.work.backoffBaseMillis, in: 1...600_000)
        backoffCapSeconds = try own.double("work.backoffCapSeconds", default: defaults.work.backoffCapSeconds, in: 0.001...86400)
        parkedRecheckSeconds = try own.double("work.parkedRecheckSeconds", default: defaults.work.parkedRecheckSeconds, in: 1...86400)
        rescanSeconds = try own.double("work.rescanSeconds", default: defaults.work.rescanSeconds, in: 1...86400)
        batchWindowMillis = try own.int("work.batchWindowMillis", default: defaults.work.batchWindowMillis, in: 0...1000)
        maxInFlightBatches = try own.int("work.maxInFlightBatches", default: defaults.work.maxInFlightBatches, in: 1...64)
    }
}

extension MeshConfiguration.Resync {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        enabled = try own.bool("resync.enabled", default: defaults.resync.enabled)
        intervalSeconds = try own.double("resync.intervalSeconds", default: defaults.resync.intervalSeconds, in: 0...86400)
        clusters = try own.stringArray("resync.clusters")
    }
}

extension MeshConfiguration.Heartbeat {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        ttlSeconds = try own.double("heartbeat.ttlSeconds", default: defaults.heartbeat.ttlSeconds, in: 0.1...86400)
        maxBatch = try own.int("heartbeat.maxBatch", default: defaults.heartbeat.maxBatch, in: 1...10_000)
    }
}

extension MeshConfiguration.HA {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        leaseSeconds = try own.double("ha.leaseSeconds", default: defaults.ha.leaseSeconds, in: 1...3600)
        renewSeconds = try own.double("ha.renewSeconds", default: defaults.ha.renewSeconds, in: 0.1...1800)
        guard renewSeconds * 2 <= leaseSeconds else {
            throw ConfigurationError(key: "ha.renewSeconds", reason: "must be at most half of ha.leaseSeconds (\(leaseSeconds))")
        }
        replicaId = try own.optionalString("ha.replicaId")
        if let replicaId, !(1...200).contains(replicaId.utf8.count) {
            throw ConfigurationError(key: "ha.replicaId", reason: "must be 1 to 200 bytes long")
        }
    }

    /// The host name plus six random hex digits: unique per process, readable in `/v1/status`.
    public static func defaultReplicaID() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "replica"
        return "\(host)-\(String(UInt32.random(in: 0...0xFF_FFFF), radix: 16))"
    }
}

extension MeshConfiguration.Logging {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        let defaults = MeshConfiguration()
        level = try own.string("log.level", default: defaults.logging.level)
        let text = try own.string("log.format", default: defaults.logging.format.rawValue)
        guard let parsed = Format(rawValue: text) else {
            throw ConfigurationError(key: "log.format", reason: "must be one of text, json (got \"\(text)\")")
        }
        format = parsed
    }
}

extension MeshConfiguration.Admin {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        tokenFile = try own.optionalString("admin.tokenFile")
        if let configured = try own.optionalString("admin.token") {
            token = configured
        } else {
            token = try MeshConfiguration.readSecretFile(tokenFile, key: "admin.tokenFile")
        }
    }
}

extension MeshConfiguration {
    /// A secret kept in a file (a mounted secret), trimmed; `nil` without a path. An unreadable or
    /// empty file is an error naming `key`.
    static func readSecretFile(_ path: String?, key: String) throws(ConfigurationError) -> String? {
        guard let path else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(key: key, reason: "cannot read \(path)")
        }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else {
            throw ConfigurationError(key: key, reason: "\(path) is empty")
        }
        return secret
    }
}
