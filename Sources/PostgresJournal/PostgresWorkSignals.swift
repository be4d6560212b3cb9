import Journal
import Logging
import PostgresNIO

/// `LISTEN` on the work channel (`mesh_work`) on a connection of its own, fanned out to every subscriber of
/// ``PostgresEventJournal/workSignals()``.
///
/// Every transaction that marks work keys (on any replica) sends `NOTIFY mesh_work` with the keys
/// separated by newlines, or an empty payload when they would not fit in PostgreSQL's 8000 bytes.
/// When the connection fails, the listener reconnects (backing off up to 2 s) and then yields an
/// empty array, since notifications sent meanwhile are lost: the consumer re-reads pending work.
final class PostgresWorkSignals: Sendable {
    /// The work channel of the journal in `schema`: `mesh_work` in `public`, else `mesh_work_<schema>`
    /// (notifications are database-wide, and journals in other schemas must not wake this one).
    static func channel(schema: String) -> String {
        schema == "public" ? "mesh_work" : String("mesh_work_\(schema)".utf8.prefix(63)) ?? "mesh_work"
    }

    let channel: String
    /// The largest payload sent; above it the payload is empty (PostgreSQL's limit is 8000 bytes).
    static let maxPayloadBytes = 7_900

    private let hub = WorkSignalHub()
    private let logger: Logger

    init(channel: String, logger: Logger) {
        self.channel = channel
        self.logger = logger
    }

    /// The payload that announces `keys`: the keys separated by newlines, or empty when too long.
    static func payload(_ keys: [String]) -> String {
        let joined = keys.joined(separator: "\n")
        return joined.utf8.count <= maxPayloadBytes ? joined : ""
    }

    /// A new stream of signals; finished at once when the journal is closed.
    func subscribe() -> AsyncStream<[String]> {
        hub.stream()
    }

    /// Yields `keys` to every subscriber; an empty array asks them to re-read pending work.
    func broadcast(_ keys: [String]) {
        if keys.isEmpty { hub.publishRescan() } else { hub.publish(keys) }
    }

    /// Ends every stream, now and for later subscribers.
    func finish() {
        hub.finish()
    }

    /// Listens until cancelled, reconnecting after failures; `ready` yields once the first `LISTEN`
    /// is active (and finishes when the loop ends).
    func listen(client: PostgresClient, ready: AsyncStream<Void>.Continuation) async {
        defer { ready.finish() }
        var listenedBefore = false
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        if listenedBefore {
                            logger.info("Work signals listen again; consumers re-read pending work")
                            broadcast([])
                        } else {
                            listenedBefore = true
                            ready.yield()
                        }
                        delay = .milliseconds(100)
                        for try await notification in notifications {
                            broadcast(Self.keys(notification.payload))
                        }
                    }
                }
            } catch {
                if Task.isCancelled { break }
                logger.info("Work signals lost their connection", metadata: ["db.error": "\(JournalError.postgres(error))"])
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                break
            }
            delay = min(delay * 2, .seconds(2))
        }
    }

    static func keys(_ payload: String) -> [String] {
        payload.isEmpty ? [] : payload.split(separator: "\n").map(String.init)
    }
}
