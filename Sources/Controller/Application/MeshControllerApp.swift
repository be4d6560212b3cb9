import Foundation
public import HTTPServer
public import Journal
public import Logging
import MeshModel
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The wired controller: journal, HTTP listeners and (as they land) workers, run as one
/// service group that shuts down gracefully on SIGTERM/SIGINT.
public struct MeshControllerApp: Sendable {
    public let configuration: MeshConfiguration
    public let environment: [String: String]
    private let logger: Logger

    public init(configuration: MeshConfiguration, environment: [String: String], logger: Logger) {
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
    }

    /// Opens the journal, binds the listeners and runs until a termination signal.
    /// - Throws: ``JournalError`` if the journal cannot open, `HTTPServerError` if a port cannot bind.
    public func run() async throws {
        var journalConfiguration = JournalConfiguration(path: configuration.journal.path)
        journalConfiguration.maxBatchSize = configuration.journal.maxBatchSize
        journalConfiguration.maxQueuedEvents = configuration.journal.maxQueuedEvents
        let journal = try EventJournal(configuration: journalConfiguration, logger: logger)

        let server = try makeServer(journal: journal)
        let ports = try server.start()
        logger.info("Controller listening", metadata: [
            "mesh.listen.public": .string("\(configuration.server.publicListener.host):\(ports["public"] ?? 0)"),
            "mesh.listen.admin": .string("\(configuration.server.adminListener.host):\(ports["admin"] ?? 0)"),
            "mesh.journal.path": .string(configuration.journal.path),
        ])

        let group = ServiceGroup(configuration: .init(
            services: [.init(service: server)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        do {
            try await group.run()
        } catch {
            await journal.close()
            throw error
        }
        await journal.close()
        logger.info("Controller stopped")
    }

    /// Builds the evhttp server with both listeners' routes.
    public func makeServer(journal: EventJournal) throws -> EventHTTPServer {
        let serverBox = ServerBox()
        let health = HealthHandlers(journal: journal, isAccepting: { serverBox.server?.isAcceptingRequests ?? false })
        let ingest = EventIngestHandler(
            authenticator: WebhookAuthenticator(
                apiKeyHeader: configuration.webhook.apiKeyHeader,
                apiKey: configuration.webhook.apiKey,
                basicUsername: configuration.webhook.basicUsername,
                basicPassword: configuration.webhook.basicPassword
            ),
            allowList: ClusterAllowList(configuration.webhook.allowedClusters),
            sink: journal,
            retryAfterSeconds: configuration.webhook.retryAfterSeconds,
            logger: logger
        )

        var publicRouter = Router()
        publicRouter.add(.post, "/v1/events", handler: ingest.handle)
        publicRouter.add(.get, "/healthz", handler: health.healthz)
        publicRouter.add(.get, "/readyz", handler: health.readyz)

        var adminRouter = Router()
        adminRouter.add(.get, "/healthz", handler: health.healthz)
        adminRouter.add(.get, "/readyz", handler: health.readyz)

        let server = configuration.server
        var httpConfiguration = HTTPServerConfiguration(listeners: [
            .init(name: "public", host: server.publicListener.host, port: server.publicListener.port, router: publicRouter),
            .init(name: "admin", host: server.adminListener.host, port: server.adminListener.port, router: adminRouter),
        ])
        httpConfiguration.maxBodySize = server.maxBodyBytes
        httpConfiguration.maxHeadersSize = server.maxHeaderBytes
        httpConfiguration.connectionTimeout = .milliseconds(Int64(server.connectionTimeoutSeconds * 1000))
        httpConfiguration.replyDeadline = .milliseconds(Int64(server.replyDeadlineSeconds * 1000))
        httpConfiguration.maxPendingRequests = server.maxPendingRequests
        httpConfiguration.shutdownGracePeriod = .milliseconds(Int64(server.shutdownGraceSeconds * 1000))
        let httpServer = EventHTTPServer(configuration: httpConfiguration, logger: logger)
        serverBox.server = httpServer
        return httpServer
    }
}

/// Lets readiness ask the server it is registered on, which exists only after the routes do.
private final class ServerBox: Sendable {
    private let slot = Mutex<EventHTTPServer?>(nil)
    var server: EventHTTPServer? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}
