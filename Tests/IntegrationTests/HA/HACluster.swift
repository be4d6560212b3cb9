import AsyncHTTPClient
import Foundation
import MeshTestSupport
import NIOCore
import NIOHTTP1

/// Three controller replicas (real processes) on one PostgreSQL journal, behind haproxy: what
/// `deploy/local/run.sh --ha` runs, on free ports and a database of their own.
final class HACluster: Sendable {
    static let adminToken = "failover-admin-token-0123456789abcdef"

    /// What `GET /v1/status` says about leadership.
    struct Status: Decodable, Sendable {
        var replicaId: String
        var role: String
        var leaderId: String?
        var epoch: Int64?
    }

    let postgres: HAPostgres
    let database: String
    let replicas: [ControllerProcess]
    let alb: HAProxyALB

    private init(postgres: HAPostgres, database: String, replicas: [ControllerProcess], alb: HAProxyALB) {
        self.postgres = postgres
        self.database = database
        self.replicas = replicas
        self.alb = alb
    }

    /// Starts PostgreSQL (the cluster `.local/postgres/15-<postgresCluster>`, a new database
    /// `failover_<name>`), `count` replicas at once (the election races, as in a rollout) and haproxy
    /// in front of them. `environment` adds to (or overrides) the replicas' settings. What started is
    /// stopped again when a later part fails to start.
    static func start(name: String, count: Int = 3, environment: [String: String],
                      postgresCluster: String = "failover-test") async throws -> HACluster {
        let postgres = try await HAPostgres.start(cluster: postgresCluster)
        let database = "failover_\(name)"
        var replicas: [ControllerProcess] = []
        do {
            let url = try await postgres.createDatabase(database)
            replicas = try (1...count).map { index in
                try ControllerProcess(extraEnvironment: [
                    "MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": url,
                    "MESH_ADMIN_TOKEN": adminToken, "MESH_HA_REPLICA_ID": "\(name)-\(index)",
                    // Debug: the workers log each catalog and token write, which the failover test reads.
                    "MESH_LOG_LEVEL": "debug",
                ].merging(environment) { _, given in given })
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for replica in replicas {
                    group.addTask { try await replica.start(timeout: .seconds(120)) }
                }
                try await group.waitForAll()
            }
            let alb = try await HAProxyALB.start(replicaPorts: replicas.map(\.publicPort))
            return HACluster(postgres: postgres, database: database, replicas: replicas, alb: alb)
        } catch {
            await stopReplicas(replicas)
            try? await postgres.dropDatabase(database)
            try? await postgres.stop()
            throw error
        }
    }

    /// Starts the cluster, runs `body` with it, and stops haproxy, the replicas (paused ones too)
    /// and PostgreSQL however `body` ends.
    static func with<T>(name: String, environment: [String: String], postgresCluster: String = "failover-test",
                        _ body: (HACluster) async throws -> T) async throws -> T {
        let cluster = try await start(name: name, environment: environment, postgresCluster: postgresCluster)
        do {
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// Stops haproxy and the replicas, drops the database and stops PostgreSQL.
    func stop() async {
        await alb.stop()
        await Self.stopReplicas(replicas)
        try? await postgres.dropDatabase(database)
        try? await postgres.stop()
    }

    /// SIGTERM to every replica at once (SIGKILL after 30 s).
    private static func stopReplicas(_ replicas: [ControllerProcess]) async {
        await withTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { await replica.stop(grace: .seconds(30)) }
            }
        }
    }

    /// The end of each replica's log and haproxy's, for failure messages.
    func logTails(_ bytes: Int = 1500) -> String {
        replicas.enumerated().map { "--- replica \($0.offset): \($0.element.logTail(bytes))" }.joined(separator: "\n")
            + "\n--- haproxy: \(alb.logTail(bytes))"
    }

    /// One `POST /v1/events` through haproxy, given up after 5 s as EventBridge gives up.
    func postThroughALB(_ body: [UInt8]) async throws -> Int {
        try await ControllerProcess.postEvent(body, to: alb.url, timeout: .seconds(5)).status
    }

    /// Replica `index`'s `GET /v1/status`.
    func status(_ index: Int) async throws -> Status {
        let body = try await adminGET(index, "/v1/status")
        return try JSONDecoder().decode(Status.self, from: Data(body))
    }

    /// Once exactly one replica among `candidates` reports `leader` in an epoch above `epoch`: its
    /// index and status; `nil` if that did not happen within `timeout`.
    func leader(among candidates: [Int], above epoch: Int64,
                timeout: Duration = .seconds(90)) async -> (index: Int, status: Status)? {
        var found: (index: Int, status: Status)?
        _ = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            var leaders: [(index: Int, status: Status)] = []
            for index in candidates {
                if let status = try? await self.status(index), status.role == "leader", (status.epoch ?? 0) > epoch {
                    leaders.append((index, status))
                }
            }
            found = leaders.count == 1 ? leaders[0] : nil
            return found != nil
        }
        return found
    }

    /// How many work keys replica `index` lists in `state` (pending, running, failed, done; at most 1,000).
    func workCount(_ state: String, via index: Int) async throws -> Int {
        struct Page: Decodable {
            struct Item: Decodable {}
            var items: [Item]
        }
        return try JSONDecoder().decode(Page.self, from: Data(try await adminGET(index, "/v1/work?state=\(state)&limit=1000"))).items.count
    }

    /// Every journal row as "taskArn#version", paged through replica `index`'s admin API.
    func journalKeys(via index: Int) async throws -> Set<String> {
        struct Page: Decodable {
            struct Item: Decodable {
                var sequence: Int64
                var taskArn: String
                var version: Int64
            }
            var items: [Item]
            var next: Int64?
        }
        var keys = Set<String>()
        var after: Int64 = 0
        // Bounded: a page that does not move forward ends the walk with a failure, not a loop.
        for _ in 0..<10_000 {
            let page = try JSONDecoder().decode(Page.self, from: Data(try await adminGET(index, "/v1/journal?limit=1000&after=\(after)")))
            keys.formUnion(page.items.map { "\($0.taskArn)#\($0.version)" })
            guard let next = page.next else { return keys }
            guard next > after else { throw ProcessFailure("GET /v1/journal: next \(next) does not follow \(after)") }
            after = next
        }
        throw ProcessFailure("GET /v1/journal: more than 10,000 pages")
    }

    private func adminGET(_ index: Int, _ path: String) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: replicas[index].adminURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(Self.adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status == .ok else { throw ProcessFailure("GET \(path): HTTP \(response.status.code)") }
        return Array(body.readableBytesView)
    }
}
