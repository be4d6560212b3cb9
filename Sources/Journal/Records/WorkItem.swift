public import ErrorClassification
public import Foundation

/// Where a durable work key stands.
public enum WorkState: String, Sendable, Codable, CaseIterable {
    /// Waiting for a worker (possibly not before ``WorkItem/notBefore``).
    case pending
    /// A worker has started it; after a restart it is picked up again.
    case running
    /// Parked after a permanent failure; a newer event, a resync, a configuration change, the
    /// periodic re-check or an operator's retry wakes it.
    case failed
    /// Converged for its current generation.
    case done
}

/// A durable work key: "converge this task / this service", not a recipe (DESIGN principle 2).
public struct WorkItem: Sendable, Equatable, Codable {
    /// A ``WorkKey`` raw value (`task:<taskArn>`, `service:<name>`, …); opaque to the journal.
    public var key: String
    public var state: WorkState
    /// Bumped every time the key is marked, so a worker can tell that a newer event arrived while it
    /// was working (its success then leaves the key pending).
    public var generation: Int64
    /// Failed attempts since the key last succeeded or was woken from done/failed.
    public var attempts: Int
    public var lastError: String?
    /// Whether ``lastError`` was transient (retried) or permanent (parked); `nil` when it is unknown.
    public var lastErrorClass: ErrorClass?
    /// Earliest time for the next attempt (backoff), if any.
    public var notBefore: Date?
    public var updatedAt: Date

    public init(key: String, state: WorkState, generation: Int64, attempts: Int = 0,
                lastError: String? = nil, lastErrorClass: ErrorClass? = nil, notBefore: Date? = nil,
                updatedAt: Date) {
        self.key = key
        self.state = state
        self.generation = generation
        self.attempts = attempts
        self.lastError = lastError
        self.lastErrorClass = lastErrorClass
        self.notBefore = notBefore
        self.updatedAt = updatedAt
    }
}
