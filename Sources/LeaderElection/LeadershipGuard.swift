import Synchronization

/// The fence every leader-only effect passes: before a destructive call (deleting a token,
/// deregistering) and before a journal write that records work, the caller asks whether this
/// replica still leads, against the local monotonic deadline and the epoch.
///
/// ``LeaderElector`` keeps it up to date and publishes each change of role on ``changes``.
/// ``standalone`` is the single-process controller (SQLite): always the leader, in epoch 1.
///
/// Thread-safe (a `Mutex`); checks are cheap and never block.
public final class LeadershipGuard: Sendable {
    /// What the guard knows, for `/v1/status` and the leader-only services.
    public struct Snapshot: Sendable, Equatable {
        public var replicaID: String
        public var role: LeaseState.Role
        /// The term this replica leads in (its own), else the last term it saw (the leader's).
        public var epoch: Int64?
        /// The replica ID of the holder the store last reported.
        public var leaderID: String?
        /// While leading: the local deadline (``LeaseClock`` offset); `nil` leads forever (standalone).
        public var deadline: Duration?
    }

    /// The epoch of a standalone controller.
    public static let standaloneEpoch: Int64 = 1

    private let state: Mutex<Snapshot>
    /// This process in the lease row (``LeaseConfiguration/holderID``), for ``confirmLeading()``.
    private let holderID: String
    private let clock: LeaseClock
    private let store: (any LeaseStore)?
    private let continuation: AsyncStream<Snapshot>.Continuation
    /// Each change of role (and each new term), newest kept; one consumer: the leader-only services.
    public let changes: AsyncStream<Snapshot>

    /// A guard that follows until an elector grants it a term.
    /// - Parameters:
    ///   - holderID: This process in the lease row; `replicaID` when there is no store to ask.
    ///   - store: Asked for the current epoch by ``confirmLeading()``; `nil` skips that read.
    public convenience init(replicaID: String, holderID: String? = nil, clock: LeaseClock, store: (any LeaseStore)?) {
        self.init(initial: Snapshot(replicaID: replicaID, role: .follower), holderID: holderID ?? replicaID,
                  clock: clock, store: store)
    }

    private init(initial: Snapshot, holderID: String, clock: LeaseClock, store: (any LeaseStore)?) {
        state = Mutex(initial)
        self.holderID = holderID
        self.clock = clock
        self.store = store
        (changes, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        continuation.yield(initial)
    }

    /// The single-process controller: leads forever in epoch 1, with nobody to elect against.
    public static func standalone(replicaID: String) -> LeadershipGuard {
        let guardian = LeadershipGuard(
            initial: Snapshot(replicaID: replicaID, role: .leader, epoch: standaloneEpoch, leaderID: replicaID),
            holderID: replicaID, clock: LeaseClock(), store: nil)
        guardian.continuation.finish()
        return guardian
    }

    /// The current view.
    public var snapshot: Snapshot {
        state.withLock { $0 }
    }

    /// Whether this replica may act now.
    public var isLeading: Bool {
        (try? ensureLeading()) != nil
    }

    /// The local check: this replica leads and its deadline has not passed.
    /// - Returns: The epoch to stamp on the effect.
    /// - Throws: ``LeadershipError`` when it must not act.
    @discardableResult
    public func ensureLeading() throws(LeadershipError) -> Int64 {
        let current = snapshot
        guard current.role == .leader, let epoch = current.epoch else { throw LeadershipError(.notLeader) }
        if let deadline = current.deadline, clock.now() >= deadline {
            throw LeadershipError(.deadlinePassed, epoch: epoch)
        }
        return epoch
    }

    /// The check before a destructive call: the local check, then the store's epoch (no newer term
    /// began), then the local check again (the read may have taken long).
    /// - Returns: The epoch to stamp on the effect.
    /// - Throws: ``LeadershipError``, or the store's error (then do not act either).
    @discardableResult
    public func confirmLeading() async throws -> Int64 {
        let epoch = try ensureLeading()
        guard let store else { return epoch }
        let current = try await store.current()
        guard let current, current.epoch == epoch, current.holder == holderID else {
            throw LeadershipError(.epochSuperseded, epoch: epoch, currentEpoch: current?.epoch)
        }
        guard try ensureLeading() == epoch else { throw LeadershipError(.epochSuperseded, epoch: epoch) }
        return epoch
    }

    /// Records the elector's state and publishes a change of role or term. ``LeaderElector`` calls
    /// it after every input; tests drive a guard with it directly.
    public func update(_ lease: LeaseState) {
        let next = Snapshot(replicaID: lease.configuration.replicaID, role: lease.role,
                            epoch: lease.epoch ?? lease.observed?.epoch, leaderID: lease.leaderID,
                            deadline: lease.deadline)
        let changed = state.withLock { current -> Bool in
            let changed = current.role != next.role || (next.role == .leader && current.epoch != next.epoch)
            current = next
            return changed
        }
        if changed { continuation.yield(next) }
    }

    /// Ends ``changes`` (the elector stopped).
    func finish() {
        continuation.finish()
    }
}
