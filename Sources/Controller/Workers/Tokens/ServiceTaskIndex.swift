public import Foundation
public import MeshModel
import Synchronization

/// Which mesh tasks each service has, and since when a service has had none: what the token worker
/// needs to decide whether a token stays or goes.
///
/// In memory, fed by the registration worker (every run knows its task's service and status) and
/// rebuilt from the journal at start. Thread-safe behind a `Mutex`; every call is short.
public final class ServiceTaskIndex: Sendable {
    private struct State {
        /// Live tasks and their service.
        var services: [String: MeshServiceRef] = [:]
        var liveCount: [MeshServiceRef: Int] = [:]
        var emptySince: [MeshServiceRef: Date] = [:]
        var known: Set<MeshServiceRef> = []
        /// Services (by name) whose tasks are gateways, and their kind (their tokens link the kind's policy).
        var gatewayKinds: [String: GatewayKind] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// What an update did to the task's membership.
    public enum Change: Sendable, Equatable {
        /// Nothing the token worker cares about changed.
        case unchanged
        /// The task joined (first seen) or left (stopped, or moved to another service) a service's
        /// live tasks; the service's token must be re-checked.
        case membershipChanged
    }

    /// Records the task's service and whether it is still alive (not `STOPPED`).
    ///
    /// Stopped tasks are not kept (the index stays as large as the set of live tasks); a stopped
    /// task seen again counts as a change once more, which only re-checks its service's token.
    /// - Returns: ``Change/membershipChanged`` when the service's set of live tasks changed, or when
    ///   the task is seen for the first time (its first event starts token provisioning).
    @discardableResult
    public func update(taskArn: String, service: MeshServiceRef, alive: Bool, at now: Date = Date()) -> Change {
        state.withLock { state in
            let previousService = state.services[taskArn]
            if previousService == service, alive { return .unchanged }
            if let previousService {
                Self.decrement(&state, previousService, at: now)
            }
            state.known.insert(service)
            if alive {
                state.services[taskArn] = service
                state.liveCount[service, default: 0] += 1
                state.emptySince[service] = nil
            } else {
                state.services[taskArn] = nil
                if state.liveCount[service, default: 0] == 0, state.emptySince[service] == nil {
                    state.emptySince[service] = now
                }
            }
            return .membershipChanged
        }
    }

    /// Records that the service named `name` is a gateway of `kind` (or, with `nil`, not a gateway).
    /// - Returns: Whether that changed what was recorded (the service's token must then be re-checked).
    @discardableResult
    public func setGatewayKind(_ kind: GatewayKind?, forService name: String) -> Bool {
        state.withLock { state in
            guard state.gatewayKinds[name] != kind else { return false }
            state.gatewayKinds[name] = kind
            return true
        }
    }

    /// The gateway kind of the service named `name`, or `nil` for a typical service (or one not seen since start).
    public func gatewayKind(ofService name: String) -> GatewayKind? {
        state.withLock { $0.gatewayKinds[name] }
    }

    /// Tasks of `service` that have not stopped.
    public func liveTasks(of service: MeshServiceRef) -> Int {
        state.withLock { $0.liveCount[service] ?? 0 }
    }

    /// Services named `name` that have live tasks, in any cluster (one token serves a service name).
    public func liveServices(named name: String) -> [MeshServiceRef] {
        state.withLock { state in
            state.liveCount.compactMap { service, count in service.name == name && count > 0 ? service : nil }
                .sorted { $0.clusterArn < $1.clusterArn }
        }
    }

    /// The clusters where a service named `name` has live tasks, sorted (one token serves the name).
    public func liveClusters(ofService name: String) -> [String] {
        liveServices(named: name).map(\.clusterArn)
    }

    /// The names of the services with live tasks in `clusterArn`.
    public func liveServiceNames(inCluster clusterArn: String) -> Set<String> {
        state.withLock { state in
            Set(state.liveCount.compactMap { service, count in service.clusterArn == clusterArn && count > 0 ? service.name : nil })
        }
    }

    /// When the last cluster that ran a service named `name` lost its last live task: `nil` while any
    /// cluster runs it, or when no cluster's moment is known.
    public func emptySince(serviceNamed name: String) -> Date? {
        state.withLock { state in
            var latest: Date?
            for service in state.known where service.name == name {
                guard (state.liveCount[service] ?? 0) == 0 else { return nil }
                if let since = state.emptySince[service] { latest = max(latest ?? since, since) }
            }
            return latest
        }
    }

    /// When `service` lost its last live task, if it has none now and that moment is known.
    public func emptySince(_ service: MeshServiceRef) -> Date? {
        state.withLock { ($0.liveCount[service] ?? 0) == 0 ? $0.emptySince[service] : nil }
    }

    /// Live tasks (tests, metrics).
    public var liveTaskCount: Int { state.withLock { $0.services.count } }

    /// Every service a task was ever recorded for.
    public func knownServices() -> [MeshServiceRef] {
        state.withLock { Array($0.known) }
    }

    /// Forgets every task and service, before the rebuild from the journal at the start of a
    /// leadership term: while another replica led, tasks this process saw alive may have stopped
    /// and been purged from the journal by retention, and such an entry (never overwritten by the
    /// rebuild) would keep its service live and its token from being revoked. Gateway kinds stay:
    /// a kind comes with a task definition, and a new one reaches the registration worker with its
    /// tasks' events (and a kind's policy, once linked, stays linked to the token anyway).
    public func forgetTasks() {
        state.withLock { state in
            state.services = [:]
            state.liveCount = [:]
            state.emptySince = [:]
            state.known = []
        }
    }

    /// Sets when an empty service lost its last task (used when rebuilding from the journal).
    public func setEmptySince(_ date: Date, for service: MeshServiceRef) {
        state.withLock { state in
            if (state.liveCount[service] ?? 0) == 0 { state.emptySince[service] = date }
        }
    }

    private static func decrement(_ state: inout State, _ service: MeshServiceRef, at now: Date) {
        let remaining = max(0, (state.liveCount[service] ?? 0) - 1)
        state.liveCount[service] = remaining
        if remaining == 0 { state.emptySince[service] = now }
    }
}
