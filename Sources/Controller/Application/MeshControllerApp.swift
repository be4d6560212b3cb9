import AsyncHTTPClient
import ErrorClassification
import Foundation
public import HTTPServer
public import Journal
public import Logging
import AWS
import LeaderElection
import MeshModel
import PostgresJournal
import PostgresSupport
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The wired controller: journal, HTTP listeners, and the work queue with the registration and token
/// workers, run as one service group that shuts down gracefully on SIGTERM/SIGINT.
///
/// Shutdown order is the reverse of the group's array: the HTTP server stops accepting first, then
/// the queue finishes its attempts in flight; the journal and the
/// shared HTTP client close last. A fatal journal write failure ends the group through
/// ``JournalStopWatch`` and ``run()`` throws it (the executable exits non-zero).
public struct MeshControllerApp: Sendable {
    public let configuration: MeshConfiguration
    public let environment: [String: String]
    private let logger: Logger
    /// Metrics registry and dependency tracker, shared by everything this app builds.
    private let telemetry = ControllerTelemetry()

    public init(configuration: MeshConfiguration, environment: [String: String], logger: Logger) {
        self.configuration = configuration
        self.environment = environment
        self.logger = logger
    }

    /// Opens the journal, builds the workers, binds the listeners and runs until a termination signal.
    /// - Throws: ``JournalError`` if the journal cannot open, `HTTPServerError` if a port cannot bind,
    ///   `ConfigurationError` if the Consul or PostgreSQL settings cannot be used.
    public func run() async throws {
        switch configuration.journal.backend {
        case .sqlite:
            // One writer per SQLite journal: a second process exits here (status 75) instead of writing.
            let journalLock = try JournalFileLock.acquire(journalPath: configuration.journal.path)
            defer { journalLock.release() }
            try await run(journal: try openSQLiteJournal(), replica: nil)
        case .postgres:
            // Replicas share the database; the lease, not a file lock, keeps one of them working.
            let replica = try ReplicaWiring(configuration: configuration, adminAddress: adminAddress,
                                            observer: telemetry.metrics, logger: logger)
            try await run(journal: try await openPostgresJournal(), replica: replica)
        }
        logger.info("Controller stopped")
    }

    /// This replica's admin `host:port`, as it announces itself.
    private var adminAddress: String {
        "\(configuration.server.adminListener.host):\(configuration.server.adminListener.port)"
    }

    private func openSQLiteJournal() throws -> EventJournal {
        var journalConfiguration = JournalConfiguration(path: configuration.journal.path)
        journalConfiguration.maxBatchSize = configuration.journal.maxBatchSize
        journalConfiguration.maxQueuedEvents = configuration.journal.maxQueuedEvents
        journalConfiguration.maxQueuedWorkerWrites = configuration.journal.maxQueuedWorkerWrites
        journalConfiguration.commitObserver = telemetry.journalObserver
        return try EventJournal(configuration: journalConfiguration, logger: logger)
    }

    /// The shared journal, migrated and listening for work signals, with the same budgets as SQLite's.
    private func openPostgresJournal() async throws -> PostgresEventJournal {
        let postgres = configuration.journal.postgres
        var journalConfiguration = PostgresJournalConfiguration(client: try PostgresClientFactory.configuration(
            try configuration.postgresConnectionSettings(), maxConnections: postgres.maxConnections))
        journalConfiguration.maxBatchSize = configuration.journal.maxBatchSize
        journalConfiguration.maxQueuedEvents = configuration.journal.maxQueuedEvents
        journalConfiguration.maxQueuedWorkerWrites = configuration.journal.maxQueuedWorkerWrites
        journalConfiguration.concurrentCommits = postgres.concurrentCommits
        journalConfiguration.commitObserver = telemetry.journalObserver
        return try await PostgresEventJournal.open(configuration: journalConfiguration, logger: logger)
    }

    /// Runs with an open journal, and closes it (and the outbound HTTP client) however the run ends.
    private func run(journal: any JournalStore, replica: ReplicaWiring?) async throws {
        let httpClient = OutboundHTTPClient.make()
        do {
            try await serve(journal: journal, httpClient: httpClient, replica: replica)
        } catch {
            await close(journal: journal, httpClient: httpClient)
            throw error
        }
        await close(journal: journal, httpClient: httpClient)
    }

    /// Serves until a termination signal: as a single process that leads from the start (`replica`
    /// `nil`, SQLite), or as one replica of several on the shared journal.
    private func serve(journal: any JournalStore, httpClient: HTTPClient, replica: ReplicaWiring?) async throws {
        // One SQLite journal, one process: it leads from the start, in epoch 1, and never changes.
        let leadership = replica?.leadership ?? LeadershipGuard.standalone(
            replicaID: configuration.ha.replicaId ?? MeshConfiguration.HA.defaultReplicaID())
        if replica == nil { telemetry.metrics.leaderRole(.leader) }
        let workers = try makeWorkers(journal: journal, httpClient: httpClient, leadership: leadership)
        // A single process schedules the keys its writes marked at once; replicas schedule them from
        // the journal's signals, which bring every replica's marks to the leader (its own included).
        let direct = replica == nil ? workers?.queue : nil

        let heartbeats = try await HeartbeatComponents(journal: journal, scheduler: direct,
                                                       configuration: configuration.heartbeat, metrics: telemetry.metrics,
                                                       leadership: leadership,
                                                       sightings: replica.map { ($0.sightings, $0.replicaID) }, logger: logger)
        let server = try makeServer(journal: journal, resync: workers?.resync, scheduler: direct, queue: workers?.queue,
                                    heartbeats: heartbeats, meshConfigs: workers?.meshConfigs, catalog: workers?.catalog,
                                    cluster: replica?.cluster ?? ClusterView(leadership: leadership, address: adminAddress))
        let ports = try await server.start()
        logger.info("Controller listening", metadata: [
            "mesh.listen.public": .string("\(configuration.server.publicListener.host):\(ports["public"] ?? 0)"),
            "mesh.listen.admin": .string("\(configuration.server.adminListener.host):\(ports["admin"] ?? 0)"),
            "mesh.journal.backend": .string(configuration.journal.backend.rawValue),
            "mesh.journal.path": replica == nil ? .string(configuration.journal.path) : "-",
            "mesh.replica.id": .string(leadership.snapshot.replicaID),
        ])

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // Graceful, not cancelling: the server stops accepting and still writes the 503s of
            // requests already answered (the failing batch's among them) before the process exits.
            .init(service: JournalStopWatch(journal: journal, logger: logger),
                  failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        // Replicas: the database clients and the elector, before the term runner (they stop after it).
        services += replica?.services ?? []
        services.append(.init(service: LeaderTermRunner(leadership: leadership, logger: logger) { _ in
            try await leaderOnlyServices(journal: journal, workers: workers, heartbeats: heartbeats,
                                         leadership: leadership)
        }))
        if replica != nil {
            services.append(.init(service: WorkSignalRelay(signals: journal.workSignals(), scheduler: workers?.queue,
                                                           heartbeats: heartbeats.recorder, logger: logger)))
        }
        if let flusher = heartbeats.flusher { services.append(.init(service: flusher)) }
        services.append(.init(service: server))
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
    }

    /// One term's leader-only services, in start order (they stop in reverse): the work queue after
    /// the workers are prepared (service index rebuilt, token keys enqueued), resync, heartbeat
    /// expiry and journal retention.
    private func leaderOnlyServices(
        journal: any JournalStore, workers: ControllerWorkers?, heartbeats: HeartbeatComponents, leadership: LeadershipGuard
    ) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let workers {
            try await workers.prepare()
            services.append(.init(service: workers.queue))
            if let resync = workers.resync { services.append(.init(service: resync)) }
        }
        services.append(.init(service: heartbeats.expiry))
        if let retention = JournalRetention(configuration: configuration.journal, journal: journal,
                                            metrics: telemetry.metrics, leadership: leadership, logger: logger) {
            services.append(.init(service: retention))
        }
        return services
    }

    /// The exit status for an error that ended ``run()``: 74 (`EX_IOERR`) when the journal stopped
    /// on a fatal write failure or refused a file that failed verification, 75 (`EX_TEMPFAIL`) when
    /// another process holds the SQLite journal's lock, else 1.
    public static func exitStatus(for error: any Error) -> Int32 {
        if case .heldByAnotherProcess = error as? JournalLockError { return 75 }
        if let journalError = error as? JournalError, journalError == .stopped || journalError == .corrupt {
            return 74
        }
        return 1
    }

    /// The workers, or `nil` (with an error logged) when AWS is not configured: the controller then
    /// still journals events, and their work keys wait in the journal for a start with AWS settings.
    private func makeWorkers(journal: any JournalStore, httpClient: HTTPClient,
                             leadership: LeadershipGuard) throws -> ControllerWorkers? {
        do {
            return try ControllerWorkers.make(configuration: configuration, environment: environment, journal: journal,
                                              httpClient: httpClient, telemetry: telemetry, leadership: leadership,
                                              logger: logger)
        } catch let error as ConfigurationError where error.scope == .aws {
            logger.error("Workers disabled: AWS is not configured; events are journaled and wait for a restart", metadata: [
                "mesh.error": .string(error.description),
            ])
            return nil
        }
    }

    private func close(journal: any JournalStore, httpClient: HTTPClient) async {
        await journal.close()
        do {
            try await httpClient.shutdown()
        } catch {
            logger.warning("HTTP client did not shut down cleanly", metadata: ["mesh.error": .string("\(error)")])
        }
    }

    /// Builds the evhttp server with both listeners' routes.
    /// - Parameters:
    ///   - scheduler: Runs the task keys of applied events at once (the work queue).
    ///   - heartbeats: The heartbeat path (`POST /v1/heartbeats`); without it the route is not served.
    /// - Parameter resync: What the admin API's `POST /v1/resync` asks (503 without).
    /// - Parameter queue: What the admin API's retries enqueue into (by default `scheduler`, when a queue).
    /// - Parameter cluster: What `/v1/status` says of roles and replicas (a single leading process by default).
    public func makeServer(journal: any JournalStore, resync: (any ResyncTriggering)? = nil, scheduler: (any WorkScheduler)? = nil,
                           queue: WorkQueue? = nil,
                           heartbeats: HeartbeatComponents? = nil, meshConfigs: MeshConfigBook? = nil,
                           catalog: (any AdminCatalogReading)? = nil, cluster: ClusterView? = nil) throws -> EventHTTPServer {
        let serverBox = ServerBox()
        let health = HealthHandlers(journal: journal, isAccepting: { serverBox.server?.isAcceptingRequests ?? false })

        var publicRouter = router(listener: "public", health: health)
        let ingest = makeIngestHandler(journal: journal, scheduler: scheduler)
        publicRouter.addOnLoop(.post, "/v1/events", handler: telemetry.instrument("public", "/v1/events", .post, ingest.handle(_:responder:)))
        if let heartbeats {
            publicRouter.add(.post, "/v1/heartbeats",
                             handler: telemetry.instrument("public", "/v1/heartbeats", .post, heartbeats.handler.handle))
        }

        var adminRouter = router(listener: "admin", health: health)
        AdminAPI(journal: journal, queue: queue ?? scheduler as? WorkQueue, resync: resync, metrics: telemetry.metrics,
                 health: telemetry.health,
                 heartbeats: heartbeats.map { AdminHeartbeatView(tracker: $0.tracker, ttlSeconds: configuration.heartbeat.ttlSeconds) },
                 authenticator: AdminAuthenticator(token: configuration.admin.token),
                 startedAt: telemetry.startedAt, meshConfigs: meshConfigs, catalog: catalog,
                 cluster: cluster ?? ClusterView(leadership: .standalone(replicaID: configuration.ha.replicaId ?? "standalone")),
                 logger: logger)
            .register(into: &adminRouter)

        let httpServer = EventHTTPServer(configuration: httpConfiguration(publicRouter: publicRouter, adminRouter: adminRouter),
                                         logger: logger)
        serverBox.server = httpServer
        return httpServer
    }

    /// A router for one listener: its unmatched requests counted under its name, and the health
    /// routes every listener serves (`/healthz`, `/readyz`).
    private func router(listener: String, health: HealthHandlers) -> Router {
        let metrics = telemetry.metrics
        var router = Router()
        router.onUnmatched = { request, status in
            metrics.httpUnmatched(listener: listener, method: request.method.rawValue, status: status)
        }
        router.add(.get, "/healthz", handler: health.healthz)
        router.add(.get, "/readyz", handler: health.readyz)
        return router
    }

    /// The event webhook (`POST /v1/events`): authenticated, allow-listed by cluster, journaled.
    private func makeIngestHandler(journal: any JournalStore, scheduler: (any WorkScheduler)?) -> EventIngestHandler {
        EventIngestHandler(
            authenticator: WebhookAuthenticator(
                apiKeyHeader: configuration.webhook.apiKeyHeader,
                apiKey: configuration.webhook.apiKey,
                basicUsername: configuration.webhook.basicUsername,
                basicPassword: configuration.webhook.basicPassword
            ),
            allowList: ClusterAllowList(configuration.webhook.allowedClusters),
            sink: JournalEventSink(journal),
            retryAfterSeconds: configuration.webhook.retryAfterSeconds,
            scheduler: scheduler,
            logger: logger
        )
    }

    /// The two listeners with their routers, and the limits of `configuration.server`.
    private func httpConfiguration(publicRouter: Router, adminRouter: Router) -> HTTPServerConfiguration {
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
        return httpConfiguration
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
