public import Logging
public import ServiceLifecycle

/// Keeps this replica's lease: every renewal interval it asks the ``LeaseStore`` to renew (or
/// acquire) the lease, feeds the answer to ``LeaseState`` and publishes the result through the
/// ``LeadershipGuard``. It also wakes at the local deadline, so a leader whose renewals fail steps
/// down on time, and a process resumed after a pause steps down before it renews.
///
/// A `Service`: runs until graceful shutdown or cancellation, then gives the lease up so that
/// another replica takes over at once instead of after the lease expires.
public actor LeaderElector: Service {
    private var lease: LeaseState
    private let store: any LeaseStore
    private let clock: LeaseClock
    private let observer: (any LeaderElectionObserver)?
    private let logger: Logger
    /// The admin address announced in the replicas table.
    private let address: String?
    public nonisolated let leadership: LeadershipGuard

    /// - Parameters:
    ///   - address: This replica's admin `host:port`, shown to operators in the replicas table.
    ///   - clock: The monotonic clock (tests inject theirs).
    public init(configuration: LeaseConfiguration, store: any LeaseStore, address: String? = nil,
                clock: LeaseClock = LeaseClock(), observer: (any LeaderElectionObserver)? = nil, logger: Logger) {
        lease = LeaseState(configuration: configuration)
        self.store = store
        self.clock = clock
        self.observer = observer
        self.address = address
        var logger = logger
        logger[metadataKey: "mesh.replica.id"] = .string(configuration.replicaID)
        logger[metadataKey: "mesh.replica.instance"] = .string(configuration.instanceID)
        self.logger = logger
        leadership = LeadershipGuard(replicaID: configuration.replicaID, holderID: configuration.holderID, clock: clock,
                                     store: store)
    }

    public func run() async throws {
        defer { leadership.finish() }
        await cancelWhenGracefulShutdown {
            await self.loop()
        }
        await releaseOnStop()
    }

    private func loop() async {
        await prepareStore()
        while !Task.isCancelled {
            let sent = await renewOnce()
            await recordReplica()
            // Between renewals, wake at the deadline too (a failing store, or a pause).
            while !Task.isCancelled {
                let wake = lease.nextWake(lastSent: sent)
                do { try await clock.sleep(until: wake) } catch { return }
                apply(lease.expire(now: clock.now()))
                if clock.now() >= sent + lease.configuration.renewInterval { break }
            }
        }
    }

    /// Prepares the store, retrying every renewal interval until it succeeds (a database that is
    /// still starting); this replica follows meanwhile.
    private func prepareStore() async {
        while !Task.isCancelled {
            do {
                try await store.prepare()
                return
            } catch {
                observer?.leaseRenewal(outcome: .failed)
                logger.warning("Lease store not ready; retrying", metadata: ["mesh.error": .string("\(error)")])
            }
            do { try await clock.sleep(until: clock.now() + lease.configuration.renewInterval) } catch { return }
        }
    }

    /// One renewal or acquisition attempt, bounded by the renewal interval.
    /// - Returns: The instant it was sent.
    @discardableResult
    func renewOnce() async -> Duration {
        let sent = clock.now()
        let configuration = lease.configuration
        let store = store
        do {
            let record = try await withTimeout(configuration.renewInterval) {
                try await store.acquireOrRenew(holder: configuration.holderID,
                                               leaseDuration: configuration.leaseDuration)
            }
            let transition = lease.renewalAnswered(record, sentAt: sent, now: clock.now())
            observer?.leaseRenewal(outcome: Self.outcome(of: transition, record: record, me: configuration.holderID))
            apply(transition)
        } catch {
            observer?.leaseRenewal(outcome: .failed)
            logger.warning("Lease renewal failed", metadata: [
                "mesh.error": .string("\(error)"), "mesh.lease.role": .string(lease.role.rawValue),
            ])
            apply(lease.renewalFailed(now: clock.now()))
        }
        return sent
    }

    private func recordReplica() async {
        let record = ReplicaRecord(replicaID: lease.configuration.replicaID, address: address, role: lease.role)
        do {
            try await store.recordReplica(record)
        } catch {
            logger.debug("Could not record this replica as seen", metadata: ["mesh.error": .string("\(error)")])
        }
    }

    private func releaseOnStop() async {
        let epoch = lease.epoch
        apply(lease.release())
        guard let epoch else { return }
        do {
            try await store.release(holder: lease.configuration.holderID, epoch: epoch)
            logger.info("Lease released", metadata: ["mesh.lease.epoch": .stringConvertible(epoch)])
        } catch {
            logger.warning("Could not release the lease; it expires on its own", metadata: [
                "mesh.error": .string("\(error)"),
            ])
        }
    }

    private func apply(_ transition: LeaseState.Transition) {
        leadership.update(lease)
        switch transition {
        case .unchanged, .renewed:
            return
        case .becameLeader(let epoch):
            observer?.leadershipChanged(role: .leader)
            logger.notice("This replica leads", metadata: ["mesh.lease.epoch": .stringConvertible(epoch)])
        case .lostLeadership(let reason):
            observer?.leadershipChanged(role: .follower)
            logger.notice("This replica stepped down", metadata: [
                "mesh.lease.reason": .string("\(reason)"),
                "mesh.lease.leader": .string(lease.leaderID ?? "unknown"),
            ])
        }
    }

    private static func outcome(of transition: LeaseState.Transition, record: LeaseRecord,
                                me: String) -> LeaseRenewalOutcome {
        switch transition {
        case .becameLeader: .acquired
        case .renewed: .renewed
        case .lostLeadership: .lost
        case .unchanged: record.holder == me ? .late : .heldElsewhere
        }
    }
}

/// How one lease attempt ended (the `outcome` label of `mesh_lease_renewals_total`).
public enum LeaseRenewalOutcome: String, Sendable, CaseIterable {
    /// A new term began for this replica.
    case acquired
    /// This replica's term goes on.
    case renewed
    /// Another replica holds the lease (a follower's attempt).
    case heldElsewhere = "held_elsewhere"
    /// The answer ended this replica's term (superseded, or it came back past the deadline).
    case lost
    /// The answer came back past the lease it would grant, to a follower.
    case late
    /// The store failed or did not answer within the renewal interval.
    case failed
}

/// Told of lease attempts and role changes (metrics).
public protocol LeaderElectionObserver: Sendable {
    func leaseRenewal(outcome: LeaseRenewalOutcome)
    func leadershipChanged(role: LeaseState.Role)
}

/// Runs `work`, throwing `LeaseTimeoutError` when it takes longer than `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw LeaseTimeoutError(limit: limit)
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}

/// The store did not answer within the renewal interval.
public struct LeaseTimeoutError: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "the lease store did not answer within \(limit)" }
}
