public import Foundation

/// What one sweep did, per cluster and in total: logged at the end of every sweep and kept for the
/// admin status (the last report and its problems).
public struct ResyncReport: Sendable, Equatable {
    /// Calls made to AWS and Consul during the sweep.
    public struct Calls: Sendable, Equatable {
        public var listTasks = 0
        public var describeTasks = 0
        public var consulReads = 0
        public var consulWrites = 0
        public init() {}

        public var aws: Int { listTasks + describeTasks }
        public var consul: Int { consulReads + consulWrites }
    }

    /// One cluster's part.
    public struct Cluster: Sendable, Equatable {
        public var cluster: String
        /// The cluster ARN (the synthetic node's name), when known.
        public var clusterArn: String?
        /// ARNs ListTasks returned (RUNNING and STOPPED).
        public var listed = 0
        /// Tasks described with tags.
        public var described = 0
        /// Observations journaled, by ``ResyncTaskPlan/Reason`` raw value.
        public var observations: [String: Int] = [:]
        /// Observations the journal applied (the rest were already known: stale or duplicate).
        public var applied = 0
        /// Live journal tasks missing from ECS for the first consecutive sweep.
        public var suspectedAbsent = 0
        /// Tasks left as they are because their tags could not be read (first few ARNs).
        public var unreadable: [String] = []
        public var unreadableCount = 0
        /// Services on the node without our `source` meta (never touched).
        public var foreignServices = 0
        /// Our services deregistered because their task is gone.
        public var deregistered = 0
        /// Registered tasks whose service or proxy was missing from the node, handed to the worker again.
        public var restored = 0
        /// Tokens of this cluster handed to the token worker's grace logic.
        public var tokensAdopted = 0
        /// Services running in this cluster whose token the token worker checks again (and repairs
        /// with the secret's IDs if it is missing or drifted).
        public var tokensChecked = 0
        /// Whether ECS answered with throttling during the sweep.
        public var throttled = false
        /// Set when the cluster's sweep stopped early; whatever it did not finish checking is unchanged.
        public var failure: String?

        public init(cluster: String) {
            self.cluster = cluster
        }
    }

    public var sweep: Int
    public var reason: String
    public var startedAt: Date
    public var duration: Duration = .zero
    public var clusters: [Cluster] = []
    public var calls = Calls()

    public init(sweep: Int, reason: String, startedAt: Date) {
        self.sweep = sweep
        self.reason = reason
        self.startedAt = startedAt
    }

    /// Problems an operator should see: failed clusters and unreadable tasks.
    public var problems: [String] {
        clusters.flatMap { cluster -> [String] in
            var lines: [String] = []
            if let failure = cluster.failure { lines.append("\(cluster.cluster): sweep stopped: \(failure)") }
            if cluster.unreadableCount > 0 {
                lines.append("\(cluster.cluster): \(cluster.unreadableCount) task(s) left unchanged, tags unreadable: "
                             + cluster.unreadable.joined(separator: ", "))
            }
            return lines
        }
    }

    /// Whether any cluster hit ECS throttling (the next periodic sweep then waits longer).
    public var throttled: Bool { clusters.contains { $0.throttled } }
}
