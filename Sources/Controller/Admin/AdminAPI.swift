public import Foundation
public import HTTPServer
public import Journal
public import LeaderElection
public import Logging

/// The operators' API on the admin listener: status, tasks (with `explain`), services, work (with retry), the
/// journal tail, resync and `/metrics`. Everything except `/healthz` and `/readyz` needs the admin
/// bearer token (``AdminAuthenticator``); `/metrics` too, because its series name services and
/// error codes (Prometheus sends it with `authorization.credentials_file`).
///
/// ```swift
/// var router = Router()
/// AdminAPI(journal: journal, queue: workers?.queue, ...).register(into: &router)
/// ```
///
/// Reads go to the journal's reader connections; handlers never block the loop thread.
public struct AdminAPI: Sendable {
    /// A dependency "answered recently" when its last answer is at most this old.
    public static let recentWindow: TimeInterval = 300
    /// Journal rows shown with one task.
    static let taskJournalLimit = 50

    let journal: any JournalStore
    let queue: WorkQueue?
    let resync: (any ResyncTriggering)?
    let metrics: ControllerMetrics?
    let health: DependencyHealth
    /// The heartbeat tracker and TTL, for `explain`; `nil` when heartbeats are not served.
    let heartbeats: AdminHeartbeatView?
    let authenticator: AdminAuthenticator
    let startedAt: Date
    /// Each task's mesh-config status (`meshConfig` of a task's view); `nil` without workers.
    let meshConfigs: MeshConfigBook?
    /// Consul's catalog, read live by `explain`; `nil` without workers (no Consul client then).
    let catalog: (any AdminCatalogReading)?
    let cluster: ClusterView
    let now: @Sendable () -> Date
    let logger: Logger

    /// - Parameters:
    ///   - queue: The work queue, or `nil` when workers are disabled (retries are then only journaled).
    ///   - resync: What `POST /v1/resync` asks; `nil` answers 503.
    ///   - metrics: What `GET /metrics` renders; `nil` answers 503.
    ///   - heartbeats: What `explain` says about heartbeats; `nil` when heartbeats are not served.
    ///   - catalog: Where `explain` reads the task's registrations live; `nil` gives the journal's record only.
    ///   - cluster: Role, leader, epoch and replicas for `/v1/status`; by default a single process
    ///     that leads.
    public init(journal: any JournalStore, queue: WorkQueue?, resync: (any ResyncTriggering)?, metrics: ControllerMetrics?,
                health: DependencyHealth, heartbeats: AdminHeartbeatView? = nil, authenticator: AdminAuthenticator, startedAt: Date,
                meshConfigs: MeshConfigBook? = nil, catalog: (any AdminCatalogReading)? = nil,
                cluster: ClusterView = ClusterView(leadership: .standalone(replicaID: ProcessInfo.processInfo.hostName)),
                now: @escaping @Sendable () -> Date = { Date() }, logger: Logger) {
        self.cluster = cluster
        self.journal = journal
        self.queue = queue
        self.resync = resync
        self.metrics = metrics
        self.health = health
        self.heartbeats = heartbeats
        self.authenticator = authenticator
        self.startedAt = startedAt
        self.meshConfigs = meshConfigs
        self.catalog = catalog
        self.now = now
        self.logger = logger
    }

    /// The guarded routes, each wrapped by ``AdminAuthenticator/protect(_:)`` and the request metrics.
    public func register(into router: inout Router) {
        let routes: [(HTTPMethod, String, HTTPHandler)] = [
            (.get, "/v1/status", { await self.status($0) }),
            (.get, "/v1/tasks", { await self.tasks($0) }),
            (.get, "/v1/tasks/{taskId}", { await self.task($0) }),
            (.get, "/v1/tasks/{taskId}/explain", { await self.explain($0) }),
            (.get, "/v1/services", { await self.services($0) }),
            (.get, "/v1/work", { await self.work($0) }),
            (.post, "/v1/work/retry", { await self.retryMany($0) }),
            (.post, "/v1/work/{key}/retry", { await self.retryOne($0) }),
            (.get, "/v1/journal", { await self.journalTail($0) }),
            (.post, "/v1/resync", { await self.requestResync($0) }),
            (.get, "/metrics", { await self.metricsText($0) }),
        ]
        for (method, pattern, handler) in routes {
            router.add(method, pattern, handler: RequestMetrics.instrument(
                authenticator.protect(handler), metrics: metrics, listener: "admin", route: pattern, method: method))
        }
    }

    /// Runs `body`, turning ``AdminProblem`` and ``JournalError`` into problem answers.
    func answer(_ request: HTTPRequest, _ body: (AdminQuery) async throws -> HTTPResponse) async -> HTTPResponse {
        do {
            return try await body(AdminQuery(request))
        } catch let problem as AdminProblem {
            return problem.response
        } catch let error as JournalError {
            logger.warning("Admin request failed on the journal", metadata: [
                "mesh.request.id": .string(request.requestID), "mesh.error": .string(error.description),
            ])
            return .problem(status: 503, title: "Journal unavailable", detail: "the journal cannot be read (\(error.codeName))",
                            extra: ["type": ProblemMapping.problemBase + "journal-unavailable"], headers: ["Retry-After": "5"])
        } catch {
            logger.error("Admin request failed", metadata: [
                "mesh.request.id": .string(request.requestID), "error.type": .string("\(type(of: error))"),
            ])
            return .problem(status: 500, title: "Internal error", detail: "unexpected \(type(of: error))",
                            extra: ["type": ProblemMapping.problemBase + "internal"])
        }
    }
}
