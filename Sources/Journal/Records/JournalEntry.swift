public import Foundation
public import MeshModel

/// One journaled event row, as the admin API's journal tail shows it.
public struct JournalEntry: Sendable, Equatable, Codable {
    public var sequence: Int64
    public var receivedAt: Date
    /// The EventBridge envelope `id`.
    public var eventID: String
    public var taskArn: String
    /// The event's `detail.version`.
    public var version: Int64
    public var lastStatus: String
    /// What folding the event did to the task.
    public var outcome: FoldOutcome
    /// Where the row came from: `"event"` for `POST /v1/events`.
    public var source: String
    /// The event's JSON exactly as received.
    public var body: String

    public init(sequence: Int64, receivedAt: Date, eventID: String, taskArn: String, version: Int64,
                lastStatus: String, outcome: FoldOutcome, source: String = "event", body: String) {
        self.sequence = sequence
        self.receivedAt = receivedAt
        self.eventID = eventID
        self.taskArn = taskArn
        self.version = version
        self.lastStatus = lastStatus
        self.outcome = outcome
        self.source = source
        self.body = body
    }
}
