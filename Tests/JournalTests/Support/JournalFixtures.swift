import Foundation
import Journal
import Logging
import MeshModel

/// Builders shared by the journal tests.
enum JournalFixtures {
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/mesh"

    /// A logger that discards everything (tests never bootstrap the logging system).
    static let logger = Logger(label: "journal-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A unique task ARN per call, so parallel tests never share keys.
    static func taskArn(_ hint: String = "t") -> String {
        "arn:aws:ecs:us-east-1:123456789012:task/mesh/\(hint)-\(UUID().uuidString.lowercased())"
    }

    /// One decoded event with a small but realistic JSON body.
    static func event(
        arn: String, version: Int64, status: TaskStatus = .running, desired: TaskStatus? = .running,
        address: String? = "10.0.1.7", containers: [ContainerState] = [ContainerState(name: "app", lastStatus: "RUNNING")],
        eventID: String = UUID().uuidString
    ) -> DecodedEvent {
        let change = TaskStateChange(
            eventID: eventID, taskArn: arn, clusterArn: cluster,
            taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
            group: "service:web", lastStatus: status, desiredStatus: desired, version: version,
            address: address, containers: containers,
            updatedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(version)))
        let body = """
            {"version":"0","id":"\(eventID)","detail-type":"ECS Task State Change","source":"aws.ecs",\
            "detail":{"taskArn":"\(arn)","clusterArn":"\(cluster)","lastStatus":"\(status.rawValue)",\
            "version":\(version)}}
            """
        return DecodedEvent(change: change, rawJSON: Array(body.utf8))
    }

    /// A fresh in-memory journal running the real migrator.
    static func inMemory(maxBatchSize: Int = JournalConfiguration.defaultMaxBatchSize,
                         maxQueuedEvents: Int = JournalConfiguration.defaultMaxQueuedEvents) throws -> EventJournal {
        try EventJournal.inMemory(maxBatchSize: maxBatchSize, maxQueuedEvents: maxQueuedEvents, logger: logger)
    }

    /// A database path in a fresh temporary directory.
    static func temporaryDatabasePath() throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("journal-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("journal.sqlite").path
    }

    /// Deletes the temporary directory made by ``temporaryDatabasePath()`` (database, WAL and SHM).
    static func removeDatabase(at path: String) {
        try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
    }
}
