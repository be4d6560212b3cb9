import Foundation
import Journal
import MeshModel

/// One request to the PostgreSQL journal's group-commit writer: an operation the SQLite journal
/// shares, or an observation (events labelled with their source in the same insert), with the
/// leader's epoch when the write records work (``WorkFence``).
struct PostgresWrite: Sendable {
    enum Kind: Sendable {
        case operation(WriteOperation)
        /// Task states the controller observed itself (resync), journaled with `source`.
        case observe([DecodedEvent], source: String, at: Date)
    }

    var kind: Kind
    /// The epoch the leader stamped on the write; `nil` for writes that are not fenced.
    var epoch: Int64?

    var weight: Int {
        switch kind {
        case .operation(let operation): operation.weight
        case .observe(let events, _, _): max(1, events.count)
        }
    }

    var budget: WriteBudget {
        switch kind {
        case .operation(let operation): operation.budget
        // The controller's own bookkeeping: counted in the workers' budget, not ingest's.
        case .observe: .worker
        }
    }

    /// Events this write journals, with their source and time, or `nil`.
    var appended: (events: [DecodedEvent], source: String, at: Date)? {
        switch kind {
        case .operation(.append(let events, let receivedAt)): (events, PostgresWrite.eventSource, receivedAt)
        case .observe(let events, let source, let at): (events, source, at)
        default: nil
        }
    }

    /// The `events.source` of rows from `POST /v1/events`.
    static let eventSource = "event"
}
