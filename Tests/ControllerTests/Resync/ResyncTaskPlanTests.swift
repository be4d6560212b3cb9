import Foundation
import MeshModel
import Testing
@testable import Controller

/// The pure ECS-side decisions of a sweep.
struct ResyncTaskPlanTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func plan(described: [ResyncObservedTask] = [], listed: [String]? = nil, unreadable: Set<String> = [],
                      missing: Set<String> = [], journal: [TaskRecord] = [], absence: [String: Int] = [:]) -> ResyncTaskPlan {
        var known: [String: TaskRecord] = [:]
        for record in journal { known[record.taskArn] = record }
        return ResyncTaskPlan(.init(
            clusterArn: ResyncSample.cluster, described: described,
            listed: Set(listed ?? described.map(\.taskArn)), unreadable: unreadable, missing: missing,
            journalAlive: journal.filter { $0.lastStatus != .stopped }, journalKnown: known, absence: absence, now: now))
    }

    /// A running mesh task the journal never heard of is journaled, so it gets registered.
    @Test func plan_whenRunningMeshTaskIsUnknown_observesIt() {
        // Given / When
        let result = plan(described: [ResyncSample.observed("a1", version: 4)])
        // Then
        #expect(result.observations.map(\.reason) == [.unknownTask])
        #expect(result.observations.first?.change.version == 4)
        #expect(result.observations.first?.change.lastStatus == .running)
    }

    /// Unknown tasks outside the mesh, and unknown stopped tasks, are not journaled.
    @Test func plan_whenUnknownTaskIsNotMeshOrStopped_skipsIt() {
        // Given / When
        let result = plan(described: [ResyncSample.observed("a1", mesh: false),
                                      ResyncSample.observed("a2", lastStatus: .stopped, desired: .stopped)])
        // Then
        #expect(result.observations.isEmpty)
    }

    /// An ECS version at or below the journal's never overrides the newer journaled state.
    @Test func plan_whenECSVersionIsNotNewer_changesNothing() {
        // Given
        let journal = [ResyncSample.record("a1", lastStatus: .running, desired: .stopped, version: 7)]
        // When
        let result = plan(described: [ResyncSample.observed("a1", lastStatus: .running, version: 6)], journal: journal)
        // Then
        #expect(result.observations.isEmpty)
        #expect(result.absence.isEmpty)
    }

    /// A newer ECS version fills the gap a missed event left.
    @Test func plan_whenECSVersionIsNewer_fillsTheGap() {
        // Given
        let journal = [ResyncSample.record("a1", version: 3)]
        // When
        let result = plan(described: [ResyncSample.observed("a1", lastStatus: .stopped, desired: .stopped, version: 6)],
                          journal: journal)
        // Then
        #expect(result.observations.map(\.reason) == [.gapFilled])
        #expect(result.observations.first?.change.version == 6)
    }

    /// Without a version (moto), only a status further along the lifecycle is folded, one version up.
    @Test func plan_whenVersionMissing_foldsOnlyProgressAtNextVersion() {
        // Given
        let journal = [ResyncSample.record("a1", version: 3), ResyncSample.record("a2", version: 5)]
        // When
        let result = plan(described: [ResyncSample.observed("a1", lastStatus: .stopped, desired: .stopped),
                                      ResyncSample.observed("a2", lastStatus: .pending)], journal: journal)
        // Then
        #expect(result.observations.count == 1)
        #expect(result.observations.first?.change.taskArn == WorkerSample.arn("a1"))
        #expect(result.observations.first?.change.version == 4)
    }

    /// A live journal task missing from ECS once is only suspected; nothing is journaled.
    @Test func plan_whenAbsentOnFirstSweep_onlySuspects() {
        // Given / When
        let result = plan(journal: [ResyncSample.record("a1")])
        // Then
        #expect(result.observations.isEmpty)
        #expect(result.suspectedAbsent == [WorkerSample.arn("a1")])
        #expect(result.absence[WorkerSample.arn("a1")] == 1)
    }

    /// Absent on a second consecutive sweep: drained; on the next: stopped (deregistered).
    @Test func plan_whenAbsentOnConsecutiveSweeps_drainsThenStops() {
        // Given
        let arn = WorkerSample.arn("a1")
        // When
        let second = plan(journal: [ResyncSample.record("a1", version: 3)], absence: [arn: 1])
        let drained = ResyncSample.record("a1", lastStatus: .running, desired: .stopped, version: 4)
        let third = plan(journal: [drained], absence: second.absence)
        // Then
        #expect(second.observations.map(\.reason) == [.drain])
        #expect(second.observations.first?.change.desiredStatus == .stopped)
        #expect(second.observations.first?.change.lastStatus == .running)
        #expect(third.observations.map(\.reason) == [.absentStopped])
        #expect(third.observations.first?.change.lastStatus == .stopped)
        #expect(third.observations.first?.change.version == 5)
        #expect(third.absence[arn] == nil)
    }

    /// A DescribeTasks MISSING failure confirms absence without waiting for a second sweep.
    @Test func plan_whenDescribeSaysMissing_confirmsAtOnce() {
        // Given / When
        let result = plan(missing: [WorkerSample.arn("a1")], journal: [ResyncSample.record("a1")])
        // Then
        #expect(result.observations.map(\.reason) == [.drain])
    }

    /// A task whose tags cannot be read is left as it is and reported; its absence count is kept.
    @Test func plan_whenTagsUnreadable_leavesTaskAsItIs() {
        // Given
        let arn = WorkerSample.arn("a1")
        // When
        let result = plan(listed: [arn], unreadable: [arn], journal: [ResyncSample.record("a1")], absence: [arn: 1])
        // Then
        #expect(result.observations.isEmpty)
        #expect(result.unreadable == [arn])
        #expect(result.absence[arn] == 1)
    }

    /// A task that reappears in ECS clears its absence count.
    @Test func plan_whenTaskReappears_clearsAbsence() {
        // Given
        let arn = WorkerSample.arn("a1")
        // When
        let result = plan(described: [ResyncSample.observed("a1")], journal: [ResyncSample.record("a1")], absence: [arn: 1])
        // Then
        #expect(result.absence[arn] == nil)
        #expect(result.observations.isEmpty)
    }
}
