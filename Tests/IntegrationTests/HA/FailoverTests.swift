import Consul
import Foundation
import MeshTestSupport
import Testing

/// The failover test of issue #14 (Jepsen-style): three real controller replicas on one real
/// PostgreSQL 15 journal, haproxy in front as the ALB, real Consul and moto. Under a storm of events
/// retried as EventBridge retries them, the leader is SIGKILLed; then the new leader is SIGSTOPped
/// past its lease while tasks start and stop, and resumed; then PostgreSQL restarts. At the end no
/// acknowledged event is missing from the shared journal, Consul holds every running task and no
/// stopped one, every service has exactly one token, no registration flapped, and the resumed old
/// leader did not act. Prints the failover times.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct FailoverTests {
    /// Lines the workers log when they write to Consul or Secrets Manager (at debug level).
    static let actingMarkers = [
        "Registered task in the catalog", "Deregistered stopped task from the catalog",
        "Created Consul token", "Deleted the token", "Created token secret", "Stored new token IDs",
    ]

    @Test(.timeLimit(.minutes(6)))
    func leaderKillPauseAndPostgresRestart_loseNothing_andTheOldLeaderNeverActs() async throws {
        // Given three mesh services in moto, ten tasks each: six for the storm, two that start while
        // the leader is paused, one that starts when it resumes, one after PostgreSQL's restart
        let sfx = uniqueSuffix()
        let names = (0..<3).map { "ha\($0)-\(sfx)" }
        let moto = try await MotoECSFixture.run(cluster: "ha-\(sfx)", services: names.map {
            .init(family: $0, ports: [8080], count: 10, tags: ["consul.hashicorp.com/mesh": "true"])
        })
        let plan = FailoverPlan(moto: moto, names: names)
        let cluster = try await HACluster.start(name: sfx, environment: ["MESH_SECRETS_PREFIX": "ha-\(sfx)"])
        let probe = try MeshWorldProbe()
        let watcher = CatalogFlapWatcher(probe: probe, clusterArn: moto.clusterArn)
        let watching = Task { await watcher.run() }
        do {
            try await Self.scenario(cluster: cluster, plan: plan, probe: probe, watcher: watcher)
        } catch {
            watcher.stop()
            await cluster.stop()
            throw error
        }
        watcher.stop()
        await watching.value
        await cluster.stop()
    }

    private static func scenario(cluster: HACluster, plan: FailoverPlan, probe: MeshWorldProbe,
                                 watcher: CatalogFlapWatcher) async throws {
        let all = Array(cluster.replicas.indices)
        let first = try #require(await cluster.leader(among: all, above: 0), "no single leader among three replicas")

        // When a storm goes through haproxy and the leader is SIGKILLed half-way through it
        let storm = RetryingStorm(deliveries: plan.stormDeliveries)
        let (second, killFailover) = try await withThrowingTaskGroup(
            of: Void.self, returning: ((index: Int, status: HACluster.Status), Duration).self
        ) { group in
            defer { storm.stop() }  // however this block ends, the clients stop (they ignore cancellation)
            for client in 0..<8 {
                group.addTask { await storm.post(client: client, clients: 8, send: { try await cluster.postThroughALB($0) }) }
            }
            let halfway = await eventually(timeout: .seconds(120), interval: .milliseconds(10)) {
                storm.answered >= plan.stormDeliveries.count / 2
            }
            try #require(halfway, "half the storm not answered in 120 s (\(storm.answered) answers)")
            cluster.replicas[first.index].kill()
            let killedAt = ContinuousClock.now
            let second = try #require(await cluster.leader(among: all.filter { $0 != first.index }, above: first.status.epoch ?? 0),
                                      "no new leader after the leader was killed")
            let failover = ContinuousClock.now - killedAt
            // ECS starts a replacement task; it joins as a follower.
            try await cluster.replicas[first.index].start(timeout: .seconds(120))
            let delivered = await eventually(timeout: .seconds(120), interval: .milliseconds(10)) {
                storm.everyDeliveryAcknowledged
            }
            storm.stop()
            try await group.waitForAll()
            try #require(delivered, "\(storm.acknowledged.count) of \(plan.stormDeliveries.count) storm events acknowledged after 120 s")
            return (second, failover)
        }

        // Then every storm task is registered, each service with one token
        try await expectConverged(probe: probe, plan: plan, registered: plan.stormTasks, cluster: cluster, phase: "after the kill")

        // When the new leader is SIGSTOPped past its lease, and tasks start and one stops meanwhile
        let paused = cluster.replicas[second.index]
        paused.pause()
        let pausedAt = ContinuousClock.now
        let third = try #require(await cluster.leader(among: all.filter { $0 != second.index }, above: second.status.epoch ?? 0),
                                 "no new leader while the leader was paused")
        let pauseFailover = ContinuousClock.now - pausedAt
        watcher.expectGone(taskID: plan.stoppedTask.taskID)
        await RetryingStorm(deliveries: plan.pauseDeliveries).deliverAll(clients: 4, send: { try await cluster.postThroughALB($0) })
        let running = plan.stormTasks.filter { $0 != plan.stoppedTask } + plan.pauseTasks
        try await expectConverged(probe: probe, plan: plan, registered: running, cluster: cluster, phase: "during the pause")

        // And it is resumed, and new work arrives at it directly
        let resumedLog = paused.logSize
        paused.resume()
        let resumedAt = ContinuousClock.now
        let steppedDown = await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
            try await cluster.status(second.index).role == "follower"
        }
        #expect(steppedDown, "the resumed old leader still says it leads: \(paused.logTail())")
        let stepDown = ContinuousClock.now - resumedAt
        for delivery in plan.resumeDeliveries {
            let acknowledged = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                (200..<300).contains(try await paused.postEvent(delivery.body, timeout: .seconds(5)).status)
            }
            #expect(acknowledged, "the resumed replica did not accept \(delivery.key)")
        }
        let resumedRunning = running + plan.resumeTasks
        try await expectConverged(probe: probe, plan: plan, registered: resumedRunning, cluster: cluster, phase: "after the resume")

        // Then the resumed old leader wrote nothing to Consul or Secrets Manager (until it might
        // legitimately win a later term), the current leader did, and the old one follows the
        // current epoch
        let sinceResume = paused.log(since: resumedLog).components(separatedBy: "This replica leads")[0]
        let actedOnResume = actingMarkers.filter { sinceResume.contains($0) }
        #expect(actedOnResume.isEmpty, "the resumed old leader acted: \(actedOnResume)\n\(sinceResume.suffix(3000))")
        #expect(actingMarkers.contains { cluster.replicas[third.index].logTail(200_000).contains($0) },
                "the current leader's log shows none of the markers: the check above would pass vacuously")
        let followsTheTerm = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            let current = await cluster.leader(among: all, above: 0, timeout: .seconds(5))
            return try await cluster.status(second.index).epoch == current?.status.epoch
        }
        #expect(followsTheTerm, "the resumed replica does not report the current leader's epoch")

        // When PostgreSQL restarts, and the last tasks start
        try await cluster.postgres.restart(mode: "fast")
        let restartedAt = ContinuousClock.now
        let late = RetryingStorm(deliveries: plan.lateDeliveries)
        await late.deliverAll(clients: 4, send: { try await cluster.postThroughALB($0) })
        let ingestBack = ContinuousClock.now - restartedAt

        // Then every running task is registered and the stopped one is not, each service has one
        // token, no acknowledged event is missing from the shared journal, nothing flapped, and
        // exactly one replica leads
        let finalRunning = resumedRunning + plan.lateTasks
        try await expectConverged(probe: probe, plan: plan, registered: finalRunning, cluster: cluster, phase: "after the PostgreSQL restart")
        let acknowledged = storm.acknowledged.union(late.acknowledged)
            .union(plan.pauseDeliveries.map(\.key)).union(plan.resumeDeliveries.map(\.key))
        let journal = try await cluster.journalKeys(via: third.index)
        let lost = acknowledged.subtracting(journal)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing from the journal, e.g. \(lost.sorted().prefix(3))")
        await watcher.check()
        #expect(watcher.flaps.isEmpty, "registration flaps: \(watcher.flaps.prefix(10))")
        #expect(await cluster.leader(among: all, above: 0, timeout: .seconds(60)) != nil, "not exactly one leader at the end")

        print("failover: leader SIGKILL -> new leader in \(FaultReport.seconds(killFailover)) s; "
              + "leader SIGSTOP -> new leader in \(FaultReport.seconds(pauseFailover)) s; "
              + "resumed old leader a follower in \(FaultReport.seconds(stepDown)) s; "
              + "PostgreSQL restart -> \(plan.lateDeliveries.count) events acknowledged in \(FaultReport.seconds(ingestBack)) s "
              + "(\(acknowledged.count) events acknowledged, \(storm.answered + late.answered) 2xx answers)")
    }

    /// Waits until exactly `registered` (and no other task) of the plan's cluster is in Consul and
    /// every service has exactly one token; fails with what differs.
    private static func expectConverged(probe: MeshWorldProbe, plan: FailoverPlan, registered: [MotoECSFixture.MotoTask],
                                        cluster: HACluster, phase: String) async throws {
        let expected = Set(registered.map(\.taskID))
        var last = ""
        let converged = await eventually(timeout: .seconds(120), interval: .milliseconds(250)) {
            var present = Set<String>()
            for name in plan.names {
                let instances = try await probe.instances(name)
                present.formUnion(instances.compactMap { instance in expected.first { instance.service.id.contains($0) } })
                if instances.count != plan.tasks(name, in: registered) {
                    last = "\(name): \(instances.count) instances, expected \(plan.tasks(name, in: registered))"
                    return false
                }
            }
            let tokens = try await probe.serviceTokens(clusterArn: plan.clusterArn)
            guard tokens.count == plan.names.count else {
                last = "\(tokens.count) service tokens for \(plan.names.count) services"
                return false
            }
            last = "registered \(present.count) of \(expected.count) expected tasks"
            return present == expected
        }
        #expect(converged, "not converged \(phase): \(last)")
        try #require(converged, "leader logs: \(cluster.replicas.map { $0.logTail(1500) })")
    }
}

/// The tasks of the failover test and the events of each phase.
struct FailoverPlan: Sendable {
    let names: [String]
    let clusterArn: String
    let stormTasks: [MotoECSFixture.MotoTask]
    let pauseTasks: [MotoECSFixture.MotoTask]
    let resumeTasks: [MotoECSFixture.MotoTask]
    let lateTasks: [MotoECSFixture.MotoTask]
    /// A storm task that stops while the leader is paused.
    let stoppedTask: MotoECSFixture.MotoTask

    init(moto: MotoECSFixture.Result, names: [String]) {
        self.names = names
        clusterArn = moto.clusterArn
        let byService = names.map { moto.tasks(of: $0) }
        stormTasks = byService.flatMap { $0.prefix(6) }
        pauseTasks = byService.flatMap { $0.dropFirst(6).prefix(2) }
        resumeTasks = byService.flatMap { $0.dropFirst(8).prefix(1) }
        lateTasks = byService.flatMap { $0.dropFirst(9).prefix(1) }
        stoppedTask = stormTasks[0]
    }

    /// PROVISIONING, PENDING and RUNNING of each task.
    private func starts(_ tasks: [MotoECSFixture.MotoTask]) -> [Delivery] {
        Delivery.each(tasks.flatMap { MeshEventBuilder.lifecycle($0, clusterArn: clusterArn).prefix(3) })
    }

    var stormDeliveries: [Delivery] { starts(stormTasks) }
    /// The pause tasks start; the stopped task is told to stop, then stops.
    var pauseDeliveries: [Delivery] {
        starts(pauseTasks) + Delivery.each(Array(MeshEventBuilder.lifecycle(stoppedTask, clusterArn: clusterArn).suffix(2)))
    }
    var resumeDeliveries: [Delivery] { starts(resumeTasks) }
    var lateDeliveries: [Delivery] { starts(lateTasks) }

    /// How many of `tasks` belong to service `name`.
    func tasks(_ name: String, in tasks: [MotoECSFixture.MotoTask]) -> Int {
        tasks.filter { $0.family == name }.count
    }
}
