/// The fence a journal write that records work passes: the epoch (leadership term) to stamp on it,
/// or an error when this replica must not record work now (it does not lead, or its lease has
/// run out).
///
/// A shared journal (PostgreSQL) checks the epoch inside the write's own transaction against the
/// lease row and refuses the write when a newer term began; the single-process SQLite journal has
/// one writer (its lock file) and always epoch 1. The controller's `LeadershipGuard` conforms.
public protocol WorkFence: Sendable {
    /// - Returns: The epoch to stamp on the write.
    /// - Throws: Why this replica must not record work now (transient: the leader does the work).
    func epochForWork() throws -> Int64
}
