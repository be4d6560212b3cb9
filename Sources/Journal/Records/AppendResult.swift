public import MeshModel

/// What happened to one appended event, known only after its transaction is durable.
public struct AppendResult: Sendable, Equatable {
    /// The journal sequence number of the event's row (answered to the client in the 202 body).
    public var sequence: Int64
    /// Whether the event changed the task (`applied`) or was a `duplicate`/`stale` redelivery.
    public var outcome: FoldOutcome
    public var taskArn: String

    public init(sequence: Int64, outcome: FoldOutcome, taskArn: String) {
        self.sequence = sequence
        self.outcome = outcome
        self.taskArn = taskArn
    }
}
