import Foundation
import MeshModel
import MeshTestSupport
import Testing

/// `TaskFold` ordering by `detail.version`, and what it carries forward.
struct TaskFoldTests {
    static let arn = EventFixtures.taskArn

    /// A complete event of version `version`, with values that differ per version.
    static func change(_ version: Int64, address: String? = "10.0.0.1", taskDefinition: String? = EventFixtures.taskDefinitionArn,
                       status: TaskStatus = .running) -> TaskStateChange
    {
        TaskStateChange(
            eventID: "e\(version)", taskArn: arn, clusterArn: EventFixtures.clusterArn, taskDefinitionArn: taskDefinition,
            group: "service:web", lastStatus: status, desiredStatus: .running, version: version, address: address,
            containers: [ContainerState(name: "web", lastStatus: status.rawValue, exitCode: Int(version))],
            updatedAt: Date(timeIntervalSince1970: Double(version)))
    }

    /// The first event of a task is applied and becomes its record.
    @Test func fold_whenNoRecord_appliesAndBuildsRecord() throws {
        // When
        let (outcome, record) = TaskFold.fold(Self.change(3), into: nil)

        // Then
        #expect(outcome == .applied)
        let folded = try #require(record)
        #expect(folded.taskArn == Self.arn)
        #expect(folded.taskID == "7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c")
        #expect(folded.clusterArn == EventFixtures.clusterArn)
        #expect(folded.family == "web")
        #expect(folded.version == 3)
        #expect(folded.address == "10.0.0.1")
        #expect(folded.containers == [ContainerState(name: "web", lastStatus: "RUNNING", exitCode: 3)])
        #expect(folded.updatedAt == Date(timeIntervalSince1970: 3))
    }

    /// The same version again is a duplicate and changes nothing.
    @Test func fold_whenSameVersion_isDuplicateAndUnchanged() {
        // Given
        let current = TaskFold.fold(Self.change(3), into: nil).record

        // When
        let (outcome, record) = TaskFold.fold(Self.change(3, address: "10.9.9.9", status: .stopped), into: current)

        // Then
        #expect(outcome == .duplicate)
        #expect(record == current)
    }

    /// A lower version after a higher one is stale and changes nothing.
    @Test func fold_whenLowerVersionAfterHigher_isStaleAndUnchanged() {
        // Given
        let current = TaskFold.fold(Self.change(6, status: .stopped), into: nil).record

        // When
        let (outcome, record) = TaskFold.fold(Self.change(3, address: "10.9.9.9"), into: current)

        // Then
        #expect(outcome == .stale)
        #expect(record == current)
        #expect(record?.lastStatus == .stopped)
    }

    /// A higher version replaces the record.
    @Test func fold_whenHigherVersion_appliesIt() {
        // Given
        let current = TaskFold.fold(Self.change(3), into: nil).record

        // When
        let (outcome, record) = TaskFold.fold(Self.change(6, address: "10.0.0.2", status: .stopped), into: current)

        // Then
        #expect(outcome == .applied)
        #expect(record == TaskRecord(Self.change(6, address: "10.0.0.2", status: .stopped)))
    }

    /// A newer event without an address (STOPPED events may lack attachments) keeps the known one.
    @Test func fold_whenNewerEventLacksAddress_carriesAddressForward() {
        // Given
        let current = TaskFold.fold(Self.change(3, address: "10.0.215.105"), into: nil).record

        // When
        let (outcome, record) = TaskFold.fold(Self.change(6, address: nil, status: .stopped), into: current)

        // Then
        #expect(outcome == .applied)
        #expect(record?.address == "10.0.215.105")
        #expect(record?.lastStatus == .stopped)
        #expect(record?.version == 6)
    }

    /// The family follows the task definition, and is kept when a newer event omits it.
    @Test func fold_whenTaskDefinitionChangesOrIsMissing_recomputesOrKeepsFamily() {
        // Given
        let current = TaskFold.fold(Self.change(1), into: nil).record

        // When
        let missing = TaskFold.fold(Self.change(2, taskDefinition: nil), into: current).record
        let changed = TaskFold.fold(
            Self.change(3, taskDefinition: "arn:aws:ecs:us-east-1:111122223333:task-definition/api:2"), into: missing).record

        // Then
        #expect(missing?.family == "web")
        #expect(missing?.taskDefinitionArn == EventFixtures.taskDefinitionArn)
        #expect(changed?.family == "api")
    }

    /// Any shuffled delivery of versions 1…N, with duplicates, folds to the record of version N.
    @Test func fold_whenDeliveriesShuffledWithDuplicates_endsAtHighestVersion() {
        var rng = SeededRandom(seed: 0x5EED)
        for _ in 0..<500 {
            // Given
            let n = Int64.random(in: 1...12, using: &rng)
            var deliveries = (1...n).map { Self.change($0, address: "10.0.0.\($0)", status: $0 == n ? .stopped : .running) }
            for _ in 0..<Int.random(in: 0...8, using: &rng) { deliveries.append(deliveries.randomElement(using: &rng)!) }
            deliveries.shuffle(using: &rng)

            // When
            var record: TaskRecord?
            var applied = 0
            for change in deliveries {
                let result = TaskFold.fold(change, into: record)
                if result.outcome == .applied { applied += 1 }
                record = result.record
            }

            // Then
            #expect(record == TaskRecord(Self.change(n, address: "10.0.0.\(n)", status: .stopped)))
            #expect(applied >= 1 && applied <= Int(n))
        }
    }
}

