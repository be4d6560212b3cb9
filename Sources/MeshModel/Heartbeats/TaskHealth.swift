/// The health of a task as its heartbeats last *changed* it: what the journal keeps and what the
/// registration worker turns into check statuses.
///
/// Only transitions are stored; a heartbeat that reports the same thing again changes nothing
/// (consul-ecs #309: no write per heartbeat). ``Phase/stopping`` is final: once the sidecar said
/// STOPPING no later heartbeat can make the checks pass again (consul-ecs #284).
public struct TaskHealth: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable, CaseIterable {
        /// Heartbeats arrive within the TTL; ``containers`` decides the checks.
        case reporting = "REPORTING"
        /// The sidecar reported STOPPING: every check critical, for good.
        case stopping = "STOPPING"
        /// No heartbeat within the TTL: every check critical until a heartbeat arrives again.
        case expired = "EXPIRED"
    }

    public var phase: Phase
    /// The last reported health per container name.
    public var containers: [String: ContainerHealth]
    /// The TTL that ran out, for the checks' output (only with ``Phase/expired``).
    public var ttlSeconds: Double?

    public init(phase: Phase, containers: [String: ContainerHealth], ttlSeconds: Double? = nil) {
        self.phase = phase
        self.containers = containers
        self.ttlSeconds = ttlSeconds
    }

    /// The health after `heartbeat`, or `nil` when it changes nothing (steady state, or already stopping).
    public static func after(_ heartbeat: Heartbeat, current: TaskHealth?) -> TaskHealth? {
        if current?.phase == .stopping { return nil }
        let next = TaskHealth(phase: heartbeat.state == .stopping ? .stopping : .reporting,
                              containers: heartbeat.healthByContainer)
        return next == current ? nil : next
    }

    /// The health once the TTL ran out, or `nil` when expiry changes nothing (only reporting tasks expire).
    public func expired(ttlSeconds: Double) -> TaskHealth? {
        phase == .reporting ? TaskHealth(phase: .expired, containers: containers, ttlSeconds: ttlSeconds) : nil
    }

    /// Why every check is critical regardless of container health, or `nil` while reporting.
    public var overrideOutput: String? {
        switch phase {
        case .reporting: nil
        case .stopping: "The task's heartbeat sidecar reported STOPPING; traffic is drained"
        case .expired:
            "No heartbeat from the task's heartbeat sidecar within the TTL of \(Self.format(ttlSeconds ?? 0)) s; health is unknown"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
