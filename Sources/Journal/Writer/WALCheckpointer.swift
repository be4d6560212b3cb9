import Dispatch
import GRDB
import Logging
import Synchronization

/// Copies the WAL back into the database file from a connection of its own, off the commit path.
///
/// With SQLite's default `wal_autocheckpoint`, the commit that crosses 1000 WAL pages also runs the
/// checkpoint (copy the pages, fsync the database file) before its `COMMIT` returns, so that batch's
/// requests, and the batch queued behind it, wait several milliseconds more: a p99 spike. Here the
/// writer connection has autocheckpoint off, and after commits this type runs `PASSIVE` checkpoints
/// on a second connection, at most one every ``interval``. A passive checkpoint takes no lock that
/// the writer or the readers wait for; durability is unchanged (each commit still fsyncs the WAL).
///
/// SQLite fsyncs the database file only when a checkpoint reaches the end of the WAL, and copies
/// before that are safe without it because the WAL keeps every frame until such a checkpoint. Under
/// load that is the writer's restart checkpoint below, so the background passes issue no database
/// fsync of their own: every device flush queues the commits' WAL fsyncs behind it. (Flushing after
/// each pass was tried: the writer's restart fsync fell from 33 ms to 1 ms, once per ~8192 frames,
/// but A/B bench runs under load 5-8 showed no gain in throughput or p99 from the extra flushes.)
///
/// SQLite restarts the WAL at its beginning only when a write transaction starts while every frame
/// has been copied. Under sustained load the writer appends while the background checkpoint copies,
/// so that seldom happens; once the WAL holds more than ``restartFrames`` frames and a background
/// checkpoint has left at most ``restartBacklogFrames`` uncopied, the writer runs one passive
/// checkpoint itself before its next transaction (``takeRestartRequest()``), which copies only those
/// frames and lets that transaction restart the WAL.
///
/// Thread safety: state sits behind a `Mutex`; checkpoints run on the connection's own queue.
final class WALCheckpointer: Sendable {
    /// Least time between the starts of two background checkpoints.
    static let interval: Duration = .milliseconds(100)
    /// WAL frames (4 KiB pages) beyond which the writer checkpoints once itself (32 MiB).
    static let restartFrames = 8_192
    /// The writer is asked to checkpoint only when at most this many frames are left to copy, so its
    /// own copying stays short; its database fsync still flushes every page copied since the last
    /// restart (measured 33 ms at 32 connections, once per ``restartFrames``).
    static let restartBacklogFrames = 256

    private struct State: Sendable {
        var scheduled = false
        var lastStart: ContinuousClock.Instant?
        var restartRequested = false
    }

    private let connection: DatabaseQueue
    private let timer = DispatchQueue(label: "journal.checkpoint.timer")
    private let state = Mutex(State())
    private let logger: Logger

    /// Opens the second connection. Call after the writer has set `PRAGMA wal_autocheckpoint = 0`.
    init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "journal.checkpoint"
        configuration.busyMode = .timeout(JournalConfiguration.busyTimeout)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in
            // A checkpoint fsyncs the WAL before copying, and the database file when it reaches the end.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.logger = logger
    }

    /// Called by the writer after each commit: schedules a background checkpoint unless one is
    /// already scheduled or running. Never blocks.
    func noteCommit() {
        let delay = state.withLock { state -> Duration? in
            guard !state.scheduled else { return nil }
            state.scheduled = true
            guard let lastStart = state.lastStart else { return .zero }
            let elapsed = ContinuousClock.now - lastStart
            return elapsed >= Self.interval ? .zero : Self.interval - elapsed
        }
        guard let delay else { return }
        if delay == .zero {
            runCheckpoint()
        } else {
            let nanoseconds = Int(delay.components.seconds) * 1_000_000_000
                + Int(delay.components.attoseconds / 1_000_000_000)
            timer.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in runCheckpoint() }
        }
    }

    /// Whether the writer should checkpoint on its own connection before its next transaction (the
    /// WAL has grown past ``restartFrames``). Clears the request.
    func takeRestartRequest() -> Bool {
        state.withLock { state in
            defer { state.restartRequested = false }
            return state.restartRequested
        }
    }

    private func runCheckpoint() {
        connection.asyncWriteWithoutTransaction { [self] db in
            state.withLock { $0.lastStart = .now }
            var walFrames = 0
            var copiedFrames = 0
            do {
                (walFrames, copiedFrames) = try db.checkpoint(.passive)
            } catch {
                // Busy (another checkpoint runs) or closed: the next commit schedules another.
                logger.debug("Journal checkpoint did not run", metadata: ["db.error": "\(JournalError.mapping(error))"])
            }
            state.withLock { state in
                state.scheduled = false
                if walFrames > Self.restartFrames, walFrames - copiedFrames <= Self.restartBacklogFrames {
                    state.restartRequested = true
                }
            }
        }
    }
}
