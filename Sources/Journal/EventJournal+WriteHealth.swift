import GRDB
import Logging

/// The journal's fail-safe: what readiness and the application see of its writes, and the check
/// of the file before it serves.
extension EventJournal {
    /// Whether writes work: `healthy`, `failing` (the last write hit a lock or another failure that
    /// passes), or `stopped` after a fatal failure (nothing is acknowledged any more).
    public var writeStatus: JournalWriteStatus { health.status }

    /// Suspends until a fatal write failure stops the journal, and returns a ``JournalError/stopped``
    /// naming that failure; returns `nil` when the calling task is cancelled first. The application
    /// awaits this to exit non-zero, so that the orchestrator replaces the process.
    public func writesStopped() async -> JournalError? {
        await health.waitUntilStopped()
    }

    /// Asks the writer to take the write lock and commit nothing, so that a `failing` journal learns
    /// whether writes work again even when nothing else writes (readiness calls this).
    /// - Returns: The status afterwards.
    @discardableResult
    public func probeWrites() async -> JournalWriteStatus {
        _ = try? await perform(.probe, fence: nil)
        return writeStatus
    }

    /// `PRAGMA quick_check` on a file the journal is opening, before anything is served from it.
    ///
    /// Why `quick_check` and not `integrity_check`: both read every page of the file and verify the
    /// B-tree structure, page by page, free list included, which is where an I/O error or a torn
    /// write shows; `integrity_check` also looks up every index entry of every row, so its cost
    /// grows as N log N instead of N: on a 650 MB journal of 300 000 events (2-core VM), 1.5 s for
    /// `quick_check` against 4.2 s, each of them start-up time (not serving) after every restart by
    /// the orchestrator. ``integrityCheck()`` stays available for operators and tests.
    ///
    /// - Throws: ``JournalError/corrupt`` naming the first problems when the check finds any, or the
    ///   check itself fails on corruption.
    static func verify(_ dbWriter: any DatabaseWriter, logger: Logger) throws(JournalError) {
        let problems: [String]
        do {
            problems = try dbWriter.read { try String.fetchAll($0, sql: "PRAGMA quick_check(20)") }
        } catch {
            let failure = JournalError.mapping(error, fallback: .corrupt)
            logger.critical("Journal file failed verification; refusing to start", metadata: ["db.error": "\(failure)"])
            throw failure
        }
        guard problems != ["ok"] else { return }
        let failure = JournalError.corrupt.with(
            message: "PRAGMA quick_check found problems: " + problems.prefix(5).joined(separator: "; "))
        logger.critical("Journal file failed verification; refusing to start", metadata: ["db.error": "\(failure)"])
        throw failure
    }
}
