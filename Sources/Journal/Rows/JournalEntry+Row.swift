import Foundation
import GRDB
import MeshModel

/// Mapping between ``JournalEntry`` and the `events` table.
extension JournalEntry {
    static let journalColumns =
        "sequence, received_at, event_id, task_arn, version, last_status, outcome, source, body"

    static let insertSQL = """
        INSERT INTO events (received_at, event_id, task_arn, version, last_status, outcome, source, body)
        VALUES (?, ?, ?, ?, ?, ?, 'event', ?)
        """

    init(journalRow row: Row) throws {
        let outcomeName: String = row[6]
        guard let outcome = FoldOutcome(rawValue: outcomeName) else {
            throw JournalError.corrupt.with(message: "unknown outcome '\(outcomeName)' in events row")
        }
        self.init(sequence: row[0], receivedAt: JournalTime.date(row[1] as Double), eventID: row[2],
                  taskArn: row[3], version: row[4], lastStatus: row[5], outcome: outcome,
                  source: row[7], body: row[8])
    }
}
