import Consul
import Foundation
import MeshModel
import MeshTestSupport
import Testing

/// The failover test of issue #14 (Jepsen-style): three real controller replicas on one real
/// PostgreSQL 15 journal, haproxy in front as the ALB, real Consul and moto. Under a storm of events
/// retried as EventBridge retries them, the leader is SIGKILLed; then the new leader is SIGSTOPped
/// past its lease while tasks start and one stops, and resumed; then PostgreSQL restarts. At the end
/// no acknowledged event is missing from the shared journal, Consul holds every running task and no
/// stopped one, every service has exactly one token, no registration flapped, and the resumed old
/// leader did not act. Prints the failover times.
///
/// Every wait is bounded (`eventually`), and haproxy, the replicas (a paused one too), PostgreSQL,
/// the storm's clients and the catalog watcher are stopped however the test ends.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct FailoverTests {
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
        let probe = try MeshWorldProbe()
        try await HACluster.with(name: sfx, environment: ["MESH_SECRETS_PREFIX": "ha-\(sfx)"]) { cluster in
            let watcher = CatalogFlapWatcher(probe: probe, clusterArn: moto.clusterArn)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await watcher.run() }
                defer { watcher.stop() }  // however the scenario ends, the watcher's loop ends
                let run = FailoverRun(cluster: cluster, plan: plan, probe: probe)
                try await run.scenario(watcher: watcher)
            }
        }
    }
}

/// One run of the failover scenario, phase by phase.
struct FailoverRun {
    let cluster: HACluster
    let plan: FailoverPlan
    let probe: MeshWorldProbe
    var all: [Int] { Array(cluster.replicas.indices) }

    typealias Leader = (index: Int, status: HACluster.Status)

    func scenario(watcher: CatalogFlapWatcher) async throws {
        let first = try #require(await cluster.leader(among: all, above: 0), "no single leader among three replicas")

        // When a storm goes through haproxy and the leader is SIGKILLed half-way through it
        let (second, killFailover, storm) = try await killLeaderMidStorm(first)
        // Then every storm task is registered, each service with one token
        try await expectConverged(registered: plan.stormTasks, phase: "after the kill")

        // When the new leader is SIGSTOPped past its lease, and tasks start and one stops meanwhile
        let (third, pauseFailover, pauseStorm) = try await pauseLeader(second, watcher: watcher)
        let running = plan.stormTasks.filter { $0 != plan.stoppedTask } + plan.pauseTasks
        try await expectConverged(registered: running, phase: "during the pause")

        // And it is resumed, and new work arrives at it directly
        let (stepDown, resumedAcknowledged) = try await resume(second, current: third)
        let resumedRunning = running + plan.resumeTasks

        // When PostgreSQL restarts, and the last tasks start
        try await cluster.postgres.restart(mode: "fast")
        let restartedAt = ContinuousClock.now
        let late = try await deliver(plan.lateDeliveries, phase: "after the PostgreSQL restart")
        let ingestBack = ContinuousClock.now - restartedAt

        // Then every running task is registered and the stopped one is not, each service has one
        // token, no acknowledged event is missing from the shared journal, nothing flapped, and
        // exactly one replica leads
        try await expectConverged(registered: resumedRunning + plan.lateTasks, phase: "after the PostgreSQL restart", exactly: true)
        let acknowledged = storm.acknowledged.union(pauseStorm.acknowledged).union(resumedAcknowledged).union(late.acknowledged)
        let leader = try #require(await cluster.leader(among: all, above: 0, timeout: .seconds(60)), "not exactly one leader at the end")
        let journal = try await cluster.journalKeys(via: leader.index)
        let lost = acknowledged.subtracting(journal)
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing from the journal, e.g. \(lost.sorted().prefix(3))")
        await watcher.check()
        #expect(watcher.flaps.isEmpty, "registration flaps: \(watcher.flaps.prefix(10))")

        print("failover: leader SIGKILL -> new leader in \(FaultReport.seconds(killFailover)) s; "
              + "leader SIGSTOP -> new leader in \(FaultReport.seconds(pauseFailover)) s; "
              + "resumed old leader a follower in \(FaultReport.seconds(stepDown)) s; "
              + "PostgreSQL restart -> \(plan.lateDeliveries.count) events acknowledged in \(FaultReport.seconds(ingestBack)) s "
              + "(\(acknowledged.count) events acknowledged, \(storm.answered + pauseStorm.answered + late.answered) 2xx answers)")
    }

    /// Eight clients storm haproxy; half-way through the leader is SIGKILLed, another takes over, and
    /// the killed replica is started again (ECS's replacement task). Returns once every storm event
    /// was acknowledged; the storm's clients are stopped however this ends.
    private func killLeaderMidStorm(_ first: Leader) async throws -> (Leader, Duration, RetryingStorm) {
        let storm = RetryingStorm(deliveries: plan.stormDeliveries)
        return try await withThrowingTaskGroup(of: Void.self, returning: (Leader, Duration, RetryingStorm).self) { group in
            defer { storm.stop() }
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
                                      "no new leader after the leader was killed: \(cluster.logTails())")
            let failover = ContinuousClock.now - killedAt
            try await cluster.replicas[first.index].start(timeout: .seconds(120))
            let delivered = await eventually(timeout: .seconds(120), interval: .milliseconds(10)) { storm.everyDeliveryAcknowledged }
            try #require(delivered, "\(storm.acknowledged.count) of \(plan.stormDeliveries.count) storm events acknowledged after 120 s")
            storm.stop()
            try await group.waitForAll()
            return (second, failover, storm)
        }
    }

    /// SIGSTOPs the leader; once another leads, the stopped task is stopped in moto and the pause's
    /// events are delivered through haproxy. The paused replica stays paused.
    private func pauseLeader(_ second: Leader, watcher: CatalogFlapWatcher) async throws -> (Leader, Duration, RetryingStorm) {
        cluster.replicas[second.index].pause()
        let pausedAt = ContinuousClock.now
        let third = try #require(await cluster.leader(among: all.filter { $0 != second.index }, above: second.status.epoch ?? 0),
                                 "no new leader while the leader was paused: \(cluster.logTails())")
        let failover = ContinuousClock.now - pausedAt
        watcher.expectGone(taskID: plan.stoppedTask.taskID)
        try await ResyncMoto.shared.stop(cluster: plan.clusterArn, taskArn: plan.stoppedTask.taskArn)
        let storm = try await deliver(plan.pauseDeliveries, phase: "during the pause")
        return (third, failover, storm)
    }

    /// SIGCONTs the paused replica: it must report `follower`, accept events posted to it, and log no
    /// write to Consul or Secrets Manager (until it might legitimately win a later term), while the
    /// current leader's log shows such writes; it then reports the current leader's epoch.
    private func resume(_ second: Leader, current third: Leader) async throws -> (Duration, Set<String>) {
        let paused = cluster.replicas[second.index]
        let resumedLog = paused.logSize
        paused.resume()
        let resumedAt = ContinuousClock.now
        let steppedDown = await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
            try await cluster.status(second.index).role == "follower"
        }
        #expect(steppedDown, "the resumed old leader still says it leads: \(paused.logTail())")
        let stepDown = ContinuousClock.now - resumedAt
        // Read at once, so that a write that left before the freeze can be told from one that started
        // after the resume (ResumedLeaderLog); what the replica logs later must show no write at all.
        let early = paused.log(since: resumedLog)
        let actedEarly = ResumedLeaderLog.actedAfterResume(early, elapsed: ContinuousClock.now - resumedAt)
        var acknowledged = Set<String>()
        for delivery in plan.resumeDeliveries {
            let accepted = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) {
                (200..<300).contains(try await paused.postEvent(delivery.body, timeout: .seconds(5)).status)
            }
            try #require(accepted, "the resumed replica did not accept \(delivery.key) in 60 s: \(paused.logTail())")
            acknowledged.insert(delivery.key)
        }
        try await expectConverged(registered: plan.stormTasks.filter { $0 != plan.stoppedTask } + plan.pauseTasks + plan.resumeTasks,
                                  phase: "after the resume")

        let later = paused.log(since: resumedLog + early.utf8.count).components(separatedBy: "This replica leads")[0]
        let acted = actedEarly + ResumedLeaderLog.actingMarkers.filter { later.contains($0) }
        #expect(acted.isEmpty, "the resumed old leader acted: \(acted)\n\((early + later).suffix(3000))")
        #expect(ResumedLeaderLog.actingMarkers.contains { cluster.replicas[third.index].logTail(200_000).contains($0) },
                "the current leader's log shows none of the markers: the check above would pass vacuously")
        let followsTheTerm = await eventually(timeout: .seconds(30), interval: .milliseconds(200)) {
            let current = await cluster.leader(among: all, above: 0, timeout: .seconds(5))
            return try await cluster.status(second.index).epoch == current?.status.epoch
        }
        #expect(followsTheTerm, "the resumed replica does not report the current leader's epoch")
        return (stepDown, acknowledged)
    }

    /// Delivers `deliveries` through haproxy with four retrying clients; fails unless every one was
    /// acknowledged.
    private func deliver(_ deliveries: [Delivery], phase: String) async throws -> RetryingStorm {
        let storm = RetryingStorm(deliveries: deliveries)
        await storm.deliverAll(clients: 4, send: { try await cluster.postThroughALB($0) })
        try #require(storm.everyDeliveryAcknowledged,
                     "\(storm.acknowledged.count) of \(deliveries.count) events acknowledged \(phase): \(cluster.logTails())")
        return storm
    }

    /// Waits until every task of `registered` is in Consul (and, with `exactly`, no other task of
    /// the plan), the stopped task is not unless `registered` has it, and every service has exactly
    /// one token; fails with what differs. Without `exactly` a sweep may already have registered
    /// tasks whose events come later (they run in moto from the start).
    private func expectConverged(registered: [MotoECSFixture.MotoTask], phase: String, exactly: Bool = false) async throws {
        let expected = Set(registered.map(\.taskID))
        var last = ""
        let converged = await eventually(timeout: .seconds(120), interval: .milliseconds(250)) {
            var present = Set<String>()
            for name in plan.names {
                let ids = try await probe.instances(name).map(\.service.id)
                present.formUnion(plan.taskIDs.filter { task in ids.contains { $0.contains(task) } })
            }
            let tokens = try await probe.serviceTokens(clusterArn: plan.clusterArn)
            let perService = Dictionary(grouping: tokens) {
                ServiceTokenPlan.serviceName(fromTokenDescription: $0.description, clusterArn: plan.clusterArn) ?? ""
            }
            let missing = expected.subtracting(present), extra = present.subtracting(expected)
            last = "\(missing.count) tasks missing (e.g. \(missing.sorted().prefix(2))), extra \(extra.sorted().prefix(4)); "
                + "tokens per service \(perService.mapValues(\.count))"
            let stoppedGone = expected.contains(plan.stoppedTask.taskID) || !present.contains(plan.stoppedTask.taskID)
            return missing.isEmpty && stoppedGone && (!exactly || extra.isEmpty)
                && perService.count == plan.names.count && perService.values.allSatisfy { $0.count == 1 }
        }
        try #require(converged, "not converged \(phase): \(last)\n\(cluster.logTails())")
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
    /// Every task of the plan's services.
    let taskIDs: [String]

    init(moto: MotoECSFixture.Result, names: [String]) {
        self.names = names
        clusterArn = moto.clusterArn
        let byService = names.map { moto.tasks(of: $0) }
        stormTasks = byService.flatMap { $0.prefix(6) }
        pauseTasks = byService.flatMap { $0.dropFirst(6).prefix(2) }
        resumeTasks = byService.flatMap { $0.dropFirst(8).prefix(1) }
        lateTasks = byService.flatMap { $0.dropFirst(9).prefix(1) }
        stoppedTask = stormTasks[0]
        taskIDs = byService.flatMap { $0.map(\.taskID) }
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
}
