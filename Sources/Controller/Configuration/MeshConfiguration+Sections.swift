import Foundation

// Each section of ``MeshConfiguration`` reads its own keys (listed in `MeshConfiguration+ConfigReader.swift`),
// starting from its defaults. Ranges are checked here; rules between keys in `validate()`.

extension MeshConfiguration.Server {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        publicListener.host = try own.string("server.public.host", default: publicListener.host)
        publicListener.port = try own.int("server.public.port", default: publicListener.port, in: 0...65535)
        adminListener.host = try own.string("server.admin.host", default: adminListener.host)
        adminListener.port = try own.int("server.admin.port", default: adminListener.port, in: 0...65535)
        maxBodyBytes = try own.int("server.maxBodyBytes", default: maxBodyBytes, in: 1024...(64 << 20))
        maxHeaderBytes = try own.int("server.maxHeaderBytes", default: maxHeaderBytes, in: 1024...(1 << 20))
        connectionTimeoutSeconds = try own.double("server.connectionTimeoutSeconds", default: connectionTimeoutSeconds, in: 0.1...3600)
        replyDeadlineSeconds = try own.double("server.replyDeadlineSeconds", default: replyDeadlineSeconds, in: 0.05...60)
        maxPendingRequests = try own.int("server.maxPendingRequests", default: maxPendingRequests, in: 1...1_000_000)
        shutdownGraceSeconds = try own.double("server.shutdownGraceSeconds", default: shutdownGraceSeconds, in: 0...600)
    }
}

extension MeshConfiguration.Webhook {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        apiKeyHeader = try own.string("webhook.apiKeyHeader", default: apiKeyHeader)
        apiKey = try own.optionalString("webhook.apiKey")
        basicUsername = try own.optionalString("webhook.basicUsername")
        basicPassword = try own.optionalString("webhook.basicPassword")
        allowedClusters = try own.stringArray("webhook.allowedClusters")
        retryAfterSeconds = try own.int("webhook.retryAfterSeconds", default: retryAfterSeconds, in: 1...3600)
    }
}

extension MeshConfiguration.Journal {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        path = try own.string("journal.path", default: path)
        maxBatchSize = try own.int("journal.maxBatchSize", default: maxBatchSize, in: 1...100_000)
        maxQueuedEvents = try own.int("journal.maxQueuedEvents", default: maxQueuedEvents, in: 1...10_000_000)
        retentionDays = try own.double("journal.retentionDays", default: retentionDays, in: 0...36_500)
        pruneIntervalSeconds = try own.double("journal.pruneIntervalSeconds", default: pruneIntervalSeconds, in: 1...86400)
    }
}

extension MeshConfiguration.Mesh {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        secretsPrefix = try own.string("mesh.secretsPrefix", default: secretsPrefix)
        proxyPort = try own.int("mesh.proxyPort", default: proxyPort, in: 1...65535)
        tokenGraceSeconds = try own.double("mesh.tokenGraceSeconds", default: tokenGraceSeconds, in: 0...(30 * 86400))
        clientToken = try own.bool("mesh.clientToken", default: clientToken)
    }
}

extension MeshConfiguration.Work {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        concurrency = try own.int("work.concurrency", default: concurrency, in: 1...1024)
        maxAttempts = try own.int("work.maxAttempts", default: maxAttempts, in: 1...1000)
        backoffBaseMillis = try own.int("work.backoffBaseMillis", default: backoffBaseMillis, in: 1...600_000)
        backoffCapSeconds = try own.double("work.backoffCapSeconds", default: backoffCapSeconds, in: 0.001...86400)
        parkedRecheckSeconds = try own.double("work.parkedRecheckSeconds", default: parkedRecheckSeconds, in: 1...86400)
        rescanSeconds = try own.double("work.rescanSeconds", default: rescanSeconds, in: 1...86400)
    }
}

extension MeshConfiguration.Resync {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        enabled = try own.bool("resync.enabled", default: enabled)
        intervalSeconds = try own.double("resync.intervalSeconds", default: intervalSeconds, in: 0...86400)
        clusters = try own.stringArray("resync.clusters")
    }
}

extension MeshConfiguration.Heartbeat {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        ttlSeconds = try own.double("heartbeat.ttlSeconds", default: ttlSeconds, in: 0.1...86400)
        maxBatch = try own.int("heartbeat.maxBatch", default: maxBatch, in: 1...10_000)
    }
}

extension MeshConfiguration.Logging {
    mutating func read(from own: ConfigValueReader) throws(ConfigurationError) {
        level = try own.string("log.level", default: level)
        let text = try own.string("log.format", default: format.rawValue)
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
            token = try Self.readTokenFile(tokenFile)
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
}
