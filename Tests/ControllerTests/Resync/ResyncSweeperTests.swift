import AWS
import Foundation
import Journal
import Logging
import MeshModel
import Testing
@testable import Controller

/// One sweep against fake ECS and Consul and an in-memory journal.
struct ResyncSweeperTests {
    private let logger = Logger(label: "resync-test")

    private struct Rig {
        let journal: EventJournal
        let ecs = ResyncFakeECS()
        let catalog = ResyncFakeCatalog()
        let work = WorkerRecordingEnqueuer()
        let index = ServiceTaskIndex()
        let pauses = ResyncPauseLog()
        let verified = VerifiedServices()
        let sweeper: ResyncSweeper

        init(checksClientToken: Bool = false) throws {
            journal = try EventJournal.inMemory(logger: Logger(label: "test"))
            let pauses = self.pauses
            sweeper = ResyncSweeper(ecs: ecs, catalog: catalog, journal: journal, queue: work,
                                    index: index, configuration: .init(clusters: [ResyncSample.cluster],
                                                                       checksClientToken: checksClientToken),
                                    verifiedTokens: verified, pause: { pauses.record($0) })
        }
    }

    /// A running mesh task no event told us about is journaled (source resync) and its key scheduled.
    @Test func sweep_whenMeshTaskUnknownToJournal_journalsAndSchedulesIt() async throws {
        // Given
        let rig = try Rig()
        await rig.ecs.add(ResyncSample.ecsTask("n1"))
        await rig.ecs.add(ResyncSample.ecsTask("plain", mesh: false))
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        let task = try await rig.journal.task(arn: WorkerSample.arn("n1"))
        #expect(task?.lastStatus == .running)
        #expect(try await rig.journal.task(arn: WorkerSample.arn("plain")) == nil)
        let entries = try await rig.journal.entries(forTask: WorkerSample.arn("n1"), limit: 5)
        var sources: [String?] = []
        for entry in entries { sources.append(try await rig.journal.source(ofSequence: entry.sequence)) }
        #expect(sources == ["resync"])
        #expect(await rig.work.scheduled.flatMap { $0 } == ["task:" + WorkerSample.arn("n1")])
        #expect(report.clusters.first?.applied == 1)
    }

    /// A task the journal thinks runs is drained on the second absent sweep and stopped on the third.
    @Test func sweep_whenTaskDisappears_drainsThenStopsIt() async throws {
        // Given
        let rig = try Rig()
        try await WorkerSample.append(rig.journal, taskID: "gone", version: 3)
        let arn = WorkerSample.arn("gone")
        // When
        _ = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        let afterFirst = try await rig.journal.task(arn: arn)
        _ = await rig.sweeper.sweep(number: 2, reason: "test", logger: logger)
        let afterSecond = try await rig.journal.task(arn: arn)
        _ = await rig.sweeper.sweep(number: 3, reason: "test", logger: logger)
        let afterThird = try await rig.journal.task(arn: arn)
        // Then
        #expect(afterFirst?.desiredStatus == .running)
        #expect(afterSecond?.desiredStatus == .stopped && afterSecond?.lastStatus == .running)
        #expect(afterThird?.lastStatus == .stopped)
    }

    /// Throttled DescribeTasks: the batch's tasks stay as they are, the problem is reported, and the
    /// following batches wait growing pauses.
    @Test func sweep_whenDescribeThrottled_leavesTasksAndBacksOff() async throws {
        // Given
        let rig = try Rig()
        for index in 0..<250 { await rig.ecs.add(ResyncSample.ecsTask(String(format: "t%03d", index))) }
        let throttle = AWSError(code: "ThrottlingException", statusCode: 400, operation: "DescribeTasks")
        await rig.ecs.setDescribeFailures([throttle, throttle, nil])
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(await rig.ecs.describeBatches == [100, 100, 50])
        #expect(rig.pauses.pauses.count == 2)
        #expect(rig.pauses.pauses[1] > rig.pauses.pauses[0])
        #expect(report.clusters.first?.unreadableCount == 200)
        #expect(report.throttled)
        #expect(report.problems.count == 1)
        #expect(try await rig.journal.task(arn: WorkerSample.arn("t000")) == nil)
        #expect(try await rig.journal.task(arn: WorkerSample.arn("t249"))?.lastStatus == .running)
    }

    /// A sweep that fails at ListTasks changes nothing: no journal rows, no Consul calls.
    @Test func sweep_whenListFails_changesNothing() async throws {
        // Given
        let rig = try Rig()
        try await WorkerSample.append(rig.journal, taskID: "kept", version: 3)
        await rig.catalog.setServices(ResyncSample.cluster, [ResyncSample.ours("", taskID: "ghost")])
        await rig.ecs.setListFailure(AWSError(code: "AccessDeniedException", statusCode: 400, operation: "ListTasks"))
        let before = try await rig.journal.lastSequence()
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        _ = await rig.sweeper.sweep(number: 2, reason: "test", logger: logger)
        // Then
        #expect(report.clusters.first?.failure != nil)
        #expect(try await rig.journal.lastSequence() == before)
        #expect(await rig.catalog.writes == 0)
        #expect(try await rig.journal.task(arn: WorkerSample.arn("kept"))?.desiredStatus == .running)
    }

    /// Our service of a stopped task goes; a foreign one stays, is counted, and does not fail the sweep.
    @Test func sweep_whenNodeHasStaleAndForeignServices_deregistersOnlyOurs() async throws {
        // Given
        let rig = try Rig()
        try await WorkerSample.append(rig.journal, taskID: "live", version: 3)
        try await WorkerSample.append(rig.journal, taskID: "done", version: 6, lastStatus: "STOPPED", desiredStatus: "STOPPED")
        await rig.ecs.add(ResyncSample.ecsTask("live"))
        await rig.catalog.setServices(ResyncSample.cluster, [
            ResyncSample.ours("", taskID: "live"), ResyncSample.ours("", taskID: "done"),
            ResyncSample.foreign("legacy-web"),
        ])
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(await rig.catalog.deregistered == ["web-done"])
        #expect(report.clusters.first?.foreignServices == 1)
        #expect(report.clusters.first?.failure == nil)
    }

    /// With no drift, a sweep writes nothing to Consul or the journal.
    @Test func sweep_whenNothingDrifted_writesNothing() async throws {
        // Given
        let rig = try Rig()
        try await WorkerSample.append(rig.journal, taskID: "live", version: 3)
        await rig.ecs.add(ResyncSample.ecsTask("live", version: 3))
        await rig.catalog.setServices(ResyncSample.cluster, [ResyncSample.ours("", taskID: "live")])
        let before = try await rig.journal.lastSequence()
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(report.calls.consulWrites == 0)
        #expect(report.calls.describeTasks == 1)
        #expect(try await rig.journal.lastSequence() == before)
    }

    /// An idle token of the cluster that the journal does not track is handed to the grace logic.
    @Test func sweep_whenUntrackedIdleTokenNamesCluster_adoptsItForGrace() async throws {
        // Given
        let rig = try Rig()
        let plan = ServiceTokenPlan(serviceName: "orphan", clusterArn: ResyncSample.cluster, secretNamePrefix: "p")
        await rig.catalog.setTokens([
            ResyncToken(accessorID: "acc-1", description: plan.tokenDescription),
            ResyncToken(accessorID: "acc-2", description: "someone else's token"),
        ])
        // When
        _ = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(try await rig.journal.service(name: "orphan")?.accessorID == "acc-1")
        #expect(await rig.work.enqueued == ["service:orphan"])
    }

    /// Every service running in a swept cluster has its token checked again by the token worker:
    /// its verification is forgotten and its key queued. Services of other clusters are not.
    @Test func sweep_whenServicesLive_forgetsTheirVerificationAndQueuesTheirTokenKeys() async throws {
        // Given "web" live here (verified), "api" live only in a cluster this sweep does not cover
        let rig = try Rig()
        rig.index.update(taskArn: WorkerSample.arn("w1"), service: MeshServiceRef(clusterArn: ResyncSample.cluster, name: "web"),
                         alive: true)
        rig.index.update(taskArn: "arn:aws:ecs:us-east-1:111122223333:task/other/a1",
                         service: MeshServiceRef(clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/other", name: "api"),
                         alive: true)
        rig.verified.insert("web", clusters: [ResyncSample.cluster])
        rig.verified.insert("api", clusters: ["arn:aws:ecs:us-east-1:111122223333:cluster/other"])
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(await rig.work.enqueued == ["service:web"])
        #expect(!rig.verified.contains("web", clusters: [ResyncSample.cluster]))
        #expect(rig.verified.contains("api", clusters: ["arn:aws:ecs:us-east-1:111122223333:cluster/other"]))
        #expect(report.clusters.first?.tokensChecked == 1)
        #expect(report.calls.consulWrites == 0)
    }

    /// With the shared client token configured, every sweep has it checked too (its policy and
    /// token are lost with Consul's state like the service tokens).
    @Test func sweep_whenClientTokenConfigured_queuesItsKey() async throws {
        // Given
        let rig = try Rig(checksClientToken: true)
        // When
        _ = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then
        #expect(await rig.work.enqueued == ["client-token"])
    }

    /// ListTasks is followed page by page, for RUNNING and for STOPPED, and DescribeTasks gets 100 per call.
    @Test func sweep_whenListTasksPaginates_followsEveryPageAndDescribesByHundred() async throws {
        // Given 230 running and 30 stopped tasks, listed 100 per page
        let rig = try Rig()
        for index in 0..<230 { await rig.ecs.add(ResyncSample.ecsTask(String(format: "r%03d", index))) }
        for index in 0..<30 {
            await rig.ecs.add(ResyncSample.ecsTask(String(format: "s%03d", index), lastStatus: "STOPPED", desired: "STOPPED"))
        }
        await rig.ecs.setPageSize(100)
        // When
        let report = await rig.sweeper.sweep(number: 1, reason: "test", logger: logger)
        // Then 3 RUNNING pages + 1 STOPPED page, and 260 tasks described in 3 calls
        #expect(report.calls.listTasks == 4)
        #expect(report.clusters.first?.listed == 260)
        #expect(await rig.ecs.describeBatches == [100, 100, 60])
        #expect(report.clusters.first?.applied == 230)
    }
}
