/// How one event changed (or did not change) a task's folded state.
public enum FoldOutcome: String, Sendable, Codable {
    /// The event was newer than anything known and is now the task's state.
    case applied
    /// The event carries the version already applied (an at-least-once redelivery).
    case duplicate
    /// The event is older than the version already applied (out-of-order delivery).
    case stale
}

/// Folds ECS task events into a ``TaskRecord``, ordered by `detail.version` alone.
///
/// ECS delivers at least once and out of order; only the version says which event is newer
/// (aws-contracts §1.5). Folding is therefore commutative over a set of events: any delivery order,
/// with any duplicates, ends at the record of the highest version.
public enum TaskFold {
    /// Folds `change` into the task's current record.
    ///
    /// `version == known` gives ``FoldOutcome/duplicate`` and `version < known` gives
    /// ``FoldOutcome/stale``; both return `current` unchanged. A higher version (or a first event)
    /// gives ``FoldOutcome/applied`` with the new record. Fields a newer event lacks are carried
    /// forward: ECS STOPPED events may come without attachments, and minimal events without task
    /// definition or group, and neither means the value went away.
    ///
    /// - Parameters:
    ///   - change: The decoded event.
    ///   - current: The record of the same task (`current.taskArn == change.taskArn`), or `nil` if unknown.
    /// - Returns: The outcome and the record to keep.
    public static func fold(_ change: TaskStateChange, into current: TaskRecord?)
        -> (outcome: FoldOutcome, record: TaskRecord?)
    {
        guard let current else { return (.applied, TaskRecord(change)) }
        precondition(current.taskArn == change.taskArn, "TaskFold.fold called with the record of another task")
        if change.version == current.version { return (.duplicate, current) }
        if change.version < current.version { return (.stale, current) }

        var next = TaskRecord(change)
        next.desiredStatus = change.desiredStatus ?? current.desiredStatus
        next.group = change.group ?? current.group
        if change.taskDefinitionArn == nil {
            next.taskDefinitionArn = current.taskDefinitionArn
            next.family = current.family
        }
        next.address = change.address ?? current.address
        if change.containers.isEmpty { next.containers = current.containers }
        next.startedAt = change.startedAt ?? current.startedAt
        next.stoppedAt = change.stoppedAt ?? current.stoppedAt
        next.updatedAt = change.updatedAt ?? current.updatedAt
        return (.applied, next)
    }
}
