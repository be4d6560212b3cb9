import Foundation
import MeshModel
import Testing

/// `TaskStatus` as an open set with a lifecycle rank, and `TaskRecord` persistence shape.
struct TaskStatusTests {
    /// The documented lifecycle ranks 0…7 in order.
    @Test func rank_whenKnownStatuses_followsLifecycleOrder() {
        let lifecycle: [TaskStatus] = [.provisioning, .pending, .activating, .running, .deactivating, .stopping,
                                       .deprovisioning, .stopped]
        #expect(lifecycle.map(\.rank) == Array(0...7))
        #expect(lifecycle.map(\.description) == ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING",
                                                 "STOPPING", "DEPROVISIONING", "STOPPED"])
    }

    /// Unknown or differently-cased strings are kept but have no rank.
    @Test func rank_whenUnknownStatus_isNil() {
        #expect(TaskStatus(rawValue: "HIBERNATING").rank == nil)
        #expect(TaskStatus(rawValue: "running").rank == nil)
        #expect(TaskStatus(rawValue: "running") != .running)
    }

    /// A status encodes as its bare string, so journal JSON stays readable.
    @Test func codable_whenEncoded_isBareString() throws {
        // When
        let data = try JSONEncoder().encode([TaskStatus.running, TaskStatus(rawValue: "NEW")])

        // Then
        #expect(String(decoding: data, as: UTF8.self) == #"["RUNNING","NEW"]"#)
        #expect(try JSONDecoder().decode([TaskStatus].self, from: data) == [.running, TaskStatus(rawValue: "NEW")])
    }

    /// A folded record survives a JSON round trip unchanged.
    @Test func codable_whenTaskRecordRoundTrips_isEqual() throws {
        // Given
        let record = try #require(TaskFold.fold(TaskFoldTests.change(4), into: nil).record)

        // When
        let decoded = try JSONDecoder().decode(TaskRecord.self, from: JSONEncoder().encode(record))

        // Then
        #expect(decoded == record)
    }
}
