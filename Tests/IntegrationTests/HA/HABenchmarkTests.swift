import AsyncHTTPClient
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import Testing

/// The HA figures of issue #14 item 7, with three replicas on one PostgreSQL journal behind haproxy
/// (as `deploy/local/run.sh --ha` runs them): the event-to-Consul latency, measured as the
/// registration benchmark measures one SQLite controller (`RegistrationLatency`: RUNNING event
/// through haproxy → instance passing in Consul, warm tokens), and the failover times over ten
/// leader kills: SIGKILL → another replica reports `leader`, and SIGKILL → a task whose RUNNING event
/// was posted at the kill is passing in Consul. Gated on BENCH=1 (it measures rather than asserts);
/// run it with `deploy/local/bench-ha.sh`.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable
                    && ProcessInfo.processInfo.environment["BENCH"] == "1",
                "needs BENCH=1, MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/bench-ha.sh)"))
struct HABenchmarkTests {
    private static let environment = ProcessInfo.processInfo.environment
    private static let services = Int(environment["BENCH_HA_SERVICES"] ?? "") ?? 20
    private static let tasksPerService = Int(environment["BENCH_HA_TASKS_PER_SERVICE"] ?? "") ?? 10
    private static let rate = Double(environment["BENCH_RATE"] ?? "") ?? 100
    private static let kills = Int(environment["BENCH_HA_KILLS"] ?? "") ?? 10

    @Test(.timeLimit(.minutes(20)))
    func latencyWithThreeReplicas_andFailoverOverLeaderKills() async throws {
        // Given services in moto (and one more whose tasks start one per leader kill), three replicas
        // behind haproxy, and every task's PROVISIONING event settled (tokens made, tags cached)
        let sfx = uniqueSuffix()
        let names = (0..<Self.services).map { "hb\($0)-\(sfx)" }
        let killService = "hk-\(sfx)"
        let tags = ["consul.hashicorp.com/mesh": "true"]
        let moto = try await MotoECSFixture.run(
            cluster: "hb-\(sfx)",
            services: names.map { .init(family: $0, ports: [8080], count: Self.tasksPerService, tags: tags) }
                + [.init(family: killService, ports: [8080], count: Self.kills, tags: tags)])
        let environment = ["MESH_SECRETS_PREFIX": "hb-\(sfx)", "MESH_LOG_LEVEL": Self.environment["BENCH_LOG_LEVEL"] ?? "warning"]
        try await HACluster.with(name: sfx, environment: environment, postgresCluster: "ha-bench") { cluster in
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)))
            do {
                try await Self.measure(cluster: cluster, moto: moto, client: client, names: names, killService: killService)
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
        }
    }

    private static func measure(cluster: HACluster, moto: MotoECSFixture.Result, client: HTTPClient,
                                names: [String], killService: String) async throws {
        let watcher = CatalogVisibilityWatcher(client: client, address: Self.environment["CONSUL_HTTP_ADDR"] ?? "http://127.0.0.1:18500",
                                               token: Self.environment["CONSUL_HTTP_TOKEN"] ?? "")
        let bench = HABenchmark(cluster: cluster, moto: moto, watcher: watcher)
        try await bench.warmUp(services: names.count + 1)

        // When RUNNING events arrive through haproxy at a steady rate, and then the leader is killed ten times
        let tasks = names.flatMap { moto.tasks(of: $0) }
        let latency = RegistrationLatency(watcher: watcher, rate: Self.rate)
        let (visible, acknowledged) = await latency.measure(tasks: tasks, version: 3, clusterArn: moto.clusterArn) {
            _ = try await cluster.postThroughALB($0)
        }
        let failovers = try await bench.killLeaders(tasks: moto.tasks(of: killService))

        // Then print the table rows
        print(HABenchmark.report(visible: visible, acknowledged: acknowledged, tasks: tasks.count, services: names.count,
                                 rate: Self.rate, failovers: failovers))
        #expect(visible.count == tasks.count, "every task became visible")
        #expect(failovers.count == Self.kills, "every kill was followed by a new leader")
    }
}


/// The phases of the HA benchmark.
struct HABenchmark {
    let cluster: HACluster
    let moto: MotoECSFixture.Result
    let watcher: CatalogVisibilityWatcher

    /// One leader kill: how long until another replica led, and until the task started at the kill was passing.
    struct Failover {
        var newLeader: Duration
        var taskVisible: Duration?
    }

    /// Posts every task's PROVISIONING event through haproxy and waits until every service has its
    /// token and no work is pending or running.
    func warmUp(services: Int) async throws {
        let storm = RetryingStorm(deliveries: Delivery.each(moto.tasks.map {
            MeshEventBuilder.lifecycle($0, clusterArn: moto.clusterArn)[0]
        }))
        await storm.deliverAll(clients: 16, send: { try await cluster.postThroughALB($0) })
        let probe = try MeshWorldProbe()
        let settled = await eventually(timeout: .seconds(300), interval: .milliseconds(500)) {
            guard let leader = await cluster.leader(among: Array(cluster.replicas.indices), above: 0, timeout: .seconds(10)) else { return false }
            let tokens = try await probe.serviceTokens(clusterArn: moto.clusterArn).count
            let pending = try await cluster.workCount("pending", via: leader.index)
            let running = try await cluster.workCount("running", via: leader.index)
            return tokens == services && pending == 0 && running == 0
        }
        try #require(settled, "the warm-up did not settle in 300 s: \(cluster.logTails())")
    }

    /// Kills the leader once per task of `tasks`: right after the SIGKILL the task's RUNNING event
    /// goes to haproxy (retried as EventBridge retries); measures until another replica leads and
    /// until the task is passing, then starts the killed replica again and waits until it is ready.
    func killLeaders(tasks: [MotoECSFixture.MotoTask]) async throws -> [Failover] {
        let all = Array(cluster.replicas.indices)
        var failovers: [Failover] = []
        for task in tasks {
            let leader = try #require(await cluster.leader(among: all, above: 0), "no single leader: \(cluster.logTails())")
            let body = MeshEventBuilder.body([MeshEventBuilder.event(task, clusterArn: moto.clusterArn, version: 3, lastStatus: "RUNNING")])
            let id = MeshNames.serviceID(service: task.family.lowercased(), taskID: task.taskID)
            cluster.replicas[leader.index].kill()
            let killedAt = ContinuousClock.now
            async let seen = watcher.firstSeen(service: task.family.lowercased(), serviceID: id, until: killedAt + .seconds(60))
            async let posted: Void = RetryingStorm(deliveries: [Delivery(key: id, body: body)])
                .deliverAll(clients: 1, send: { try await cluster.postThroughALB($0) })
            _ = try #require(await cluster.leader(among: all.filter { $0 != leader.index }, above: leader.status.epoch ?? 0),
                                    "no new leader after kill \(failovers.count + 1): \(cluster.logTails())")
            let newLeader = ContinuousClock.now - killedAt
            _ = await posted
            failovers.append(Failover(newLeader: newLeader, taskVisible: await seen.map { killedAt.duration(to: $0) }))
            try await cluster.replicas[leader.index].start(timeout: .seconds(120))
            let ready = await eventually(timeout: .seconds(60)) { try await cluster.replicas[leader.index].status(of: "/readyz", timeout: .seconds(2)) == 200 }
            try #require(ready, "the restarted replica is not ready after 60 s")
        }
        return failovers
    }

    /// The Markdown rows bench-ha.sh prints (lines prefixed `BENCH|`).
    static func report(visible: LatencySummary, acknowledged: LatencySummary, tasks: Int, services: Int, rate: Double,
                       failovers: [Failover]) -> String {
        func ms(_ value: Double) -> String { String(format: "%.1f ms", value) }
        func seconds(_ values: [Duration]) -> String {
            let summary = LatencySummary(values)
            return String(format: "%.2f s / %.2f s / %.2f s", summary.p50 / 1000, summary.p90 / 1000, summary.max / 1000)
        }
        let leaders = failovers.map(\.newLeader), resumed = failovers.compactMap(\.taskVisible)
        return """
            BENCH| | event → passing in Consul, 3 replicas behind haproxy | tasks | services | arrival | p50 | p90 | p99 | p99.9 | max | 202 p50 / p99 |
            BENCH| |---|---:|---:|---|---:|---:|---:|---:|---:|---:|
            BENCH| | RUNNING after PROVISIONING (warm token) | \(visible.count) of \(tasks) | \(services) | \(String(format: "%.0f", rate)) events/s | \
            \([visible.p50, visible.p90, visible.p99, visible.p999, visible.max].map(ms).joined(separator: " | ")) | \(ms(acknowledged.p50)) / \(ms(acknowledged.p99)) |
            BENCH|
            BENCH| | \(failovers.count) leader kills (SIGKILL) | p50 / p90 / max |
            BENCH| |---|---:|
            BENCH| | → another replica reports leader | \(seconds(leaders)) |
            BENCH| | → the task whose RUNNING event was posted at the kill is passing (\(resumed.count) of \(failovers.count)) | \(seconds(resumed)) |
            BENCH|
            BENCH| each kill: \(failovers.enumerated().map { "\($0.offset + 1): \(FaultReport.seconds($0.element.newLeader)) s" }.joined(separator: ", "))
            """
    }
}
