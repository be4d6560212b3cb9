public import AWS
public import Consul
public import Foundation
import Synchronization

/// Records every Consul and AWS call into ``ControllerMetrics`` and ``DependencyHealth``: the
/// observer the app hands to both clients.
public struct OutboundCallRecorder: ConsulCallObserver, AWSCallObserver {
    let metrics: ControllerMetrics?
    let health: DependencyHealth

    public init(metrics: ControllerMetrics?, health: DependencyHealth) {
        self.metrics = metrics
        self.health = health
    }

    public func consulCallFinished(method: String, path: String, duration: Duration, status: Int?, errorCode: String?) {
        metrics?.consulCall(operation: Self.consulOperation(method: method, path: path), duration: duration,
                            errorCode: errorCode)
        health.record(.consul, answered: status != nil, succeeded: errorCode == nil)
    }

    public func awsCallFinished(service: String, operation: String, duration: Duration, errorCode: String?,
                                answered: Bool) {
        metrics?.awsCall(service: service, operation: operation, duration: duration, errorCode: errorCode)
        health.record(.aws, answered: answered, succeeded: errorCode == nil)
    }

    /// `PUT /v1/acl/token/1b4…` → `PUT /v1/acl/token`: the first three path segments, which name the
    /// endpoint; later ones are IDs and names, which would explode the label's cardinality.
    static func consulOperation(method: String, path: String) -> String {
        let segments = path.split(separator: "?", maxSplits: 1).first.map { $0.split(separator: "/") } ?? []
        return method + " /" + segments.prefix(3).joined(separator: "/")
    }
}

/// When Consul and AWS last answered, for `GET /v1/status`. Thread-safe (one mutex).
public final class DependencyHealth: Sendable {
    /// The outside systems the controller calls.
    public enum Dependency: String, Sendable, CaseIterable {
        case consul, aws
    }

    /// What is known about one dependency.
    public struct Snapshot: Sendable, Equatable, Encodable {
        /// The last time it answered at all (any HTTP status).
        public var lastAnswerAt: Date?
        /// The last call that succeeded.
        public var lastSuccessAt: Date?
        /// The last call that failed (error answer or none).
        public var lastFailureAt: Date?
        /// Calls since start.
        public var calls: Int = 0
        public var failures: Int = 0
    }

    private let state = Mutex<[Dependency: Snapshot]>([:])
    private let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    func record(_ dependency: Dependency, answered: Bool, succeeded: Bool) {
        let time = now()
        state.withLock { all in
            var snapshot = all[dependency] ?? Snapshot()
            snapshot.calls += 1
            if answered { snapshot.lastAnswerAt = time }
            if succeeded { snapshot.lastSuccessAt = time } else {
                snapshot.failures += 1
                snapshot.lastFailureAt = time
            }
            all[dependency] = snapshot
        }
    }

    /// The current knowledge about `dependency` (empty when it was never called).
    public func snapshot(_ dependency: Dependency) -> Snapshot {
        state.withLock { $0[dependency] ?? Snapshot() }
    }
}
