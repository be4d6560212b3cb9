import Synchronization

/// The seam between the admin API's `POST /v1/resync` and whatever runs sweeps, so the handler needs
/// neither ECS nor Consul to be tested, and sweeps never depend on HTTP.
public protocol ResyncTriggering: Sendable {
    /// Asks for a sweep of the configured clusters and returns at once, without waiting for it.
    /// Sweeps never overlap: a request while one runs is coalesced into one follow-up sweep.
    func requestResync(reason: String) async -> ResyncRequestOutcome
}

/// What became of a resync request, for the admin API's 202 body.
public struct ResyncRequestOutcome: Sendable, Equatable {
    /// Number of the sweep that will cover the request (the running one's successor when coalesced).
    public var sweep: Int
    /// True when a sweep was already running, so this request rides on the next one.
    public var coalesced: Bool

    public init(sweep: Int, coalesced: Bool) {
        self.sweep = sweep
        self.coalesced = coalesced
    }
}

/// The resync service, bound after it is built: the work queue's reconciler runs the `resync` key
/// (a sweep asked on a replica that follows), and the service is built after the queue because its
/// sweeps enqueue work. Unbound (resync disabled), the key has nothing to run.
public final class ResyncTriggerSlot: Sendable {
    private let slot = Mutex<(any ResyncTriggering)?>(nil)

    public init() {}

    /// Binds the service (once, at start).
    public func bind(_ resync: (any ResyncTriggering)?) {
        slot.withLock { $0 = resync }
    }

    /// The bound service, if any.
    public var resync: (any ResyncTriggering)? { slot.withLock { $0 } }
}
