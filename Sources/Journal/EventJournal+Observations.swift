public import Foundation
import GRDB
public import MeshModel

/// Observations: task states the controller saw itself (resync's ECS listing) rather than received
/// as events. They fold through exactly the path events take (``append(_:receivedAt:)``, so the
/// same ``TaskFold`` ordering by `version` applies and a newer journaled event always wins) and are
/// labelled in `events.source` so the journal tail tells them apart.
extension EventJournal {
    /// Journals observed task states, folded like events, then labels their rows with `source`.
    ///
    /// The fold and the work keys are durable when the append returns; the label is a second, small
    /// transaction. Should the process die between the two, the row keeps `source = 'event'`, but
    /// its body still says it was an observation (`"source": "ecs-mesh-controller.<source>"`).
    /// - Parameters:
    ///   - changes: Observed states, built as events (`eventID` names the observation).
    ///   - source: The label, e.g. ``JournalDefaults/resyncSource``.
    ///   - observedAt: When the sweep saw them.
    ///   - fence: Asked before the fold is queued (resync records work).
    /// - Returns: One result per change, in order (`.applied` ones marked their task's work key).
    /// - Throws: ``JournalError`` as ``append(_:receivedAt:)`` does.
    public func observe(_ changes: [TaskStateChange], source: String, observedAt: Date,
                        fence: (any WorkFence)?) async throws(JournalError) -> [AppendResult] {
        guard !changes.isEmpty else { return [] }
        let events = changes.map { DecodedEvent(change: $0, rawJSON: Self.observationBody($0, source: source)) }
        // The controller's own bookkeeping: counted in the workers' budget, not ingest's.
        let results = try await append(events, receivedAt: observedAt, budget: .worker, fence: fence)
        let sequences = results.map(\.sequence)
        try await writeBeside { db in
            for chunk in stride(from: 0, to: sequences.count, by: 500) {
                let part = Array(sequences[chunk..<min(chunk + 500, sequences.count)])
                let marks = Array(repeating: "?", count: part.count).joined(separator: ",")
                try db.execute(sql: "UPDATE events SET source = ? WHERE sequence IN (\(marks))",
                               arguments: StatementArguments([source as any DatabaseValueConvertible] + part.map { $0 as any DatabaseValueConvertible }))
            }
        }
        return results
    }

    /// The `source` of a journal row, or `nil` when there is no such row.
    public func source(ofSequence sequence: Int64) async throws(JournalError) -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT source FROM events WHERE sequence = ?", arguments: [sequence])
        }
    }

    /// A self-describing JSON body for an observation's row (never holds anything secret).
    package static func observationBody(_ change: TaskStateChange, source: String) -> [UInt8] {
        var detail: [String: Any] = [
            "taskArn": change.taskArn, "clusterArn": change.clusterArn,
            "lastStatus": change.lastStatus.rawValue, "version": change.version,
        ]
        if let desired = change.desiredStatus { detail["desiredStatus"] = desired.rawValue }
        if let reason = change.stoppedReason { detail["stoppedReason"] = reason }
        if let address = change.address { detail["address"] = address }
        let body: [String: Any] = [
            "id": change.eventID, "source": "ecs-mesh-controller.\(source)",
            "detail-type": "ECS Task Observation", "detail": detail,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Array(data)
    }
}
