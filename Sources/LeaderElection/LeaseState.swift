/// The lease as this replica sees it: a pure state machine over the answers of the ``LeaseStore``
/// and a monotonic clock (instants are ``LeaseClock`` offsets), so every transition is unit-tested
/// without a database or sleeps.
///
/// A replica leads only between a granted renewal and its local deadline: the instant the renewal
/// was *sent*, plus the lease duration, minus the safety margin. The store timed the lease from a
/// later instant (its own `now()` when the request arrived), so the local deadline always falls
/// before the store lets another replica take over. Past the deadline the replica acts no more,
/// whatever it believes; a paused process that resumes finds its deadline gone and steps down.
public struct LeaseState: Sendable, Equatable {
    /// What a replica does: leads (runs the work) or follows (ingests only).
    public enum Role: String, Sendable, Equatable, Codable {
        case leader
        case follower
    }

    /// Why leadership ended.
    public enum LossReason: Sendable, Equatable {
        /// The local deadline passed without a renewal (store unreachable, or the process paused).
        case deadlinePassed
        /// The store names another holder, or this holder in a newer term.
        case superseded(LeaseRecord)
        /// This replica gave the lease up (graceful stop).
        case released
    }

    /// What changed with an input; the shell starts or stops the leader-only work on it.
    public enum Transition: Sendable, Equatable {
        case unchanged
        /// Granted a new term: start the leader-only work.
        case becameLeader(epoch: Int64)
        /// Renewed the current term; the deadline moved.
        case renewed(epoch: Int64)
        /// Stop the leader-only work now.
        case lostLeadership(LossReason)
    }

    public let configuration: LeaseConfiguration
    public private(set) var role: Role = .follower
    /// The latest lease the store reported (any holder); `nil` before the first answer.
    public private(set) var observed: LeaseRecord?
    /// The term this replica leads in; `nil` while following.
    public private(set) var epoch: Int64?
    /// While leading: the instant after which this replica must not act.
    public private(set) var deadline: Duration?

    public init(configuration: LeaseConfiguration) {
        self.configuration = configuration
    }

    /// Whether this replica may act at `now`: it leads and its deadline has not passed.
    public func isLeading(at now: Duration) -> Bool {
        guard role == .leader, let deadline else { return false }
        return now < deadline
    }

    /// The replica ID of the holder the store last reported, or `nil` when none or when its lease
    /// is not known.
    public var leaderID: String? {
        observed?.replicaID
    }

    /// The store answered a renewal (or acquisition) sent at `sentAt`, at `now`.
    public mutating func renewalAnswered(_ record: LeaseRecord, sentAt: Duration, now: Duration) -> Transition {
        observed = record
        let configuration = configuration
        // This process's instance, not just its replica ID: a restart is a new holder.
        guard record.holder == configuration.holderID else {
            return stepDown(.superseded(record))
        }
        let granted = sentAt + configuration.leaseDuration - configuration.safetyMargin
        guard now < granted else {
            // The answer came back later than the lease it grants: act on none of it.
            return stepDown(.deadlinePassed)
        }
        switch (role, epoch) {
        case (.leader, record.epoch):
            deadline = max(deadline ?? granted, granted)
            return .renewed(epoch: record.epoch)
        case (.leader, _):
            // Our own lease, but a new term: the old one ended (it expired while we were away).
            // Step down now; the next renewal starts the new term from scratch.
            return stepDown(.superseded(record))
        default:
            role = .leader
            epoch = record.epoch
            deadline = granted
            return .becameLeader(epoch: record.epoch)
        }
    }

    /// The store could not be asked or did not answer; the lease holds until its deadline.
    public mutating func renewalFailed(now: Duration) -> Transition {
        expire(now: now)
    }

    /// Steps down when the deadline has passed at `now`; else changes nothing.
    public mutating func expire(now: Duration) -> Transition {
        guard role == .leader else { return .unchanged }
        guard let deadline, now < deadline else { return stepDown(.deadlinePassed) }
        return .unchanged
    }

    /// Gives the lease up (before a graceful stop).
    public mutating func release() -> Transition {
        stepDown(.released)
    }

    /// When the shell should next ask the store (`renewInterval` after `lastSent`) or check the
    /// deadline, whichever comes first.
    public func nextWake(lastSent: Duration) -> Duration {
        let renewal = lastSent + configuration.renewInterval
        guard role == .leader, let deadline else { return renewal }
        return min(renewal, deadline)
    }

    private mutating func stepDown(_ reason: LossReason) -> Transition {
        guard role == .leader else { return .unchanged }
        role = .follower
        epoch = nil
        deadline = nil
        return .lostLeadership(reason)
    }
}
