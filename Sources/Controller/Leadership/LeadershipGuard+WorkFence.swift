public import Journal
public import LeaderElection

extension LeadershipGuard: WorkFence {
    /// The local check (role and monotonic deadline); the journal checks the epoch in its transaction.
    public func epochForWork() throws -> Int64 {
        try ensureLeading()
    }
}
