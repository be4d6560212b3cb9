import CFileWriteback
import Dispatch
import Glibc
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
/// before that are safe without it because the WAL keeps every frame until such a checkpoint.
///
/// After each pass that copied pages, the checkpointer asks the kernel to start writing the
/// database file out (`sync_file_range`, asynchronous; not a durability step). Otherwise those pages
/// stay dirty in memory until the next database fsync, which SQLite issues inside a checkpoint that
/// reaches the end of the WAL: when that is the writer's restart checkpoint, the writer, and every
/// request behind it, waited for it. Started early, the writes trickle out in small pieces and that
/// fsync finds little left.
///
/// The ``interval`` is short (25 ms) because what a checkpoint copies, the device must later write,
/// and a commit's WAL fsync waits behind whatever is queued there. Longer intervals let the WAL
/// outrun the checkpoints: the writer had to force a restart (below) several times a second, its
/// database fsync then flushed everything copied since the last one, and the larger passes in
/// between made commits wait for their own fsync. With short passes, each usually reaches the end
/// of the WAL, SQLite restarts it on its own, and the device sees small, even writes (the A/B runs
/// are in `docs/benchmarks-history.md`).
///
/// SQLite restarts the WAL at its beginning only when a write transaction starts while every frame
/// has been copied. When the writer keeps appending while the background checkpoint copies, that may
/// not happen for a while; once the WAL holds more than ``restartFrames`` frames and a background
/// checkpoint has left at most ``restartBacklogFrames`` uncopied, the writer runs one passive
/// checkpoint itself before its next transaction (``takeRestartRequest()``), which copies only those
/// frames and lets that transaction restart the WAL.
///
/// Thread safety: state sits behind a `Mutex`; checkpoints run on the connection's own queue.
final class WALCheckpointer: Sendable {
    /// Least time between the starts of two background checkpoints.
    static let interval: Duration = .milliseconds(25)
    /// WAL frames (4 KiB pages) beyond which the writer checkpoints once itself (32 MiB).
    static let restartFrames = 8_192
    /// The writer is asked to checkpoint only when at most this many frames are left to copy, so its
    /// own copying stays short; its database fsync still flushes every page copied since the last
    /// time the database was synced.
    static let restartBacklogFrames = 256

    private struct State: Sendable {
        var scheduled = false
        var lastStart: ContinuousClock.Instant?
        var restartRequested = false
    }

    private let connection: DatabaseQueue
    /// The database file, opened read-only and used only to start its writeback; -1 if it could not be opened.
    private let databaseDescriptor: Int32
    private let timer = DispatchQueue(label: "journal.checkpoint.timer")
    private let state = Mutex(State())
    private let health: JournalWriteHealth
    private let logger: Logger

    /// Opens the second connection. Call after the writer has set `PRAGMA wal_autocheckpoint = 0`.
    /// A fatal failure of a checkpoint (an I/O error writing or syncing the database file,
    /// corruption) is reported to `health` and stops the journal's writes, as one of a commit would.
    /// A full disk is not: the WAL still holds every frame the checkpoint could not copy, and the
    /// commit that next needs space fails and stops the writes itself, with its requests answered.
    init(path: String, health: JournalWriteHealth, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "journal.checkpoint"
        configuration.busyMode = .timeout(JournalConfiguration.busyTimeout)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in
            // A checkpoint fsyncs the WAL before copying, and the database file when it reaches the end.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        self.health = health
        self.logger = logger
        databaseDescriptor = open(path, O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if databaseDescriptor >= 0 { close(databaseDescriptor) }
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
                if copiedFrames > 0, databaseDescriptor >= 0 {
                    // Best effort: a failure only means the next database fsync has more to write.
                    _ = cfilewriteback_start(databaseDescriptor)
                }
            } catch {
                // Busy (another checkpoint runs) or closed: the next commit schedules another.
                let failure = JournalError.mapping(error)
                logger.debug("Journal checkpoint did not run", metadata: ["db.error": "\(failure)"])
                if failure.isFatalWriteFailure, !failure.isDiskFull { health.recordFailure(failure) }
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
