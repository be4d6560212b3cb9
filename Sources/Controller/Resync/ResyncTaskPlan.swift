public import Foundation
public import MeshModel

/// What one cluster's ECS listing means for the journal: the pure core of a sweep's ECS side.
///
/// Observations only fill gaps. A task with an ECS `version` folds by that version, so it can never
/// override a newer journaled event (``TaskFold`` drops it as stale or duplicate). A task without a
/// version (moto never sends one) is folded only when its status is further along the lifecycle
/// than the journal's, at the journal's version plus one, so a real event of that version still
/// counts as newer-or-equal and nothing the journal already holds is reversed.
///
/// A task the journal thinks is alive but ECS no longer lists is only *suspected* absent on the
/// first sweep; a second consecutive sweep (or a DescribeTasks `MISSING` failure) confirms it. A
/// confirmed task is first drained (desiredStatus STOPPED: checks go critical) and, on the next
/// sweep that still finds it absent, stopped (deregistered by the registration worker).
/// Tasks whose tags could not be read are left exactly as they are.
public struct ResyncTaskPlan: Sendable, Equatable {
    /// Consecutive sweeps a task must be missing before it counts as gone.
    public static let absentSweepsToConfirm = 2

    /// What ECS told this sweep about one cluster.
    public struct Input: Sendable {
        public var clusterArn: String
        /// Tasks described with their tags, listed or looked up.
        public var described: [ResyncObservedTask]
        /// Every ARN ListTasks returned (RUNNING and STOPPED), described or not.
        public var listed: Set<String>
        /// Tasks whose description (and so tags) could not be read: throttled, AccessDenied, absent from the answer.
        public var unreadable: Set<String>
        /// Tasks DescribeTasks reported as `MISSING`.
        public var missing: Set<String>
        /// The journal's tasks of the cluster that have not stopped.
        public var journalAlive: [TaskRecord]
        /// Journal records of described tasks (any status), by ARN.
        public var journalKnown: [String: TaskRecord]
        /// Consecutive absent sweeps so far, by ARN.
        public var absence: [String: Int]
        public var now: Date

        public init(clusterArn: String, described: [ResyncObservedTask], listed: Set<String>, unreadable: Set<String>,
                    missing: Set<String>, journalAlive: [TaskRecord], journalKnown: [String: TaskRecord],
                    absence: [String: Int], now: Date) {
            self.clusterArn = clusterArn
            self.described = described
            self.listed = listed
            self.unreadable = unreadable
            self.missing = missing
            self.journalAlive = journalAlive
            self.journalKnown = journalKnown
            self.absence = absence
            self.now = now
        }
    }

    /// Why an observation is journaled.
    public enum Reason: String, Sendable, Equatable {
        /// A running mesh task the journal did not know.
        case unknownTask = "unknown-task"
        /// ECS is ahead of the journal (an event was missed).
        case gapFilled = "gap-filled"
        /// Confirmed absent and still live in the journal: checks go critical.
        case drain
        /// Confirmed absent after draining: deregister.
        case absentStopped = "absent-stopped"
    }

    /// One change to journal, with why.
    public struct Observation: Sendable, Equatable {
        public var change: TaskStateChange
        public var reason: Reason
    }

    /// Changes to journal, in order.
    public var observations: [Observation] = []
    /// Consecutive absent sweeps after this one (tasks that reappeared or stopped are dropped).
    public var absence: [String: Int] = [:]
    /// Live journal tasks missing for the first time (not acted on yet).
    public var suspectedAbsent: [String] = []
    /// Tasks left untouched because their tags could not be read.
    public var unreadable: [String] = []

    public init() {}

    /// Plans the journal side of one cluster's sweep.
    public init(_ input: Input) {
        for task in input.described {
            guard let change = Self.observation(of: task, known: input.journalKnown[task.taskArn], sweepTime: input.now)
            else { continue }
            observations.append(change)
        }
        let described = Set(input.described.map(\.taskArn))
        for task in input.journalAlive.sorted(by: { $0.taskArn < $1.taskArn }) {
            let arn = task.taskArn
            if input.unreadable.contains(arn) {
                if let count = input.absence[arn] { absence[arn] = count }
                continue
            }
            guard !input.listed.contains(arn), !described.contains(arn) else { continue }
            let count = (input.absence[arn] ?? 0) + 1
            guard input.missing.contains(arn) || count >= Self.absentSweepsToConfirm else {
                absence[arn] = count
                suspectedAbsent.append(arn)
                continue
            }
            if task.desiredStatus != .stopped {
                absence[arn] = count
                observations.append(Observation(change: Self.change(task, lastStatus: task.lastStatus, stoppedAt: nil,
                                                                    at: input.now), reason: .drain))
            } else {
                observations.append(Observation(change: Self.change(task, lastStatus: .stopped, stoppedAt: input.now,
                                                                    at: input.now), reason: .absentStopped))
            }
        }
        unreadable = input.unreadable.sorted()
    }

    /// The observation a described task gives, or `nil` when the journal already knows as much.
    static func observation(of task: ResyncObservedTask, known: TaskRecord?, sweepTime: Date) -> Observation? {
        guard let known else {
            guard task.isMesh, task.lastStatus != .stopped else { return nil }
            return Observation(change: change(task, version: task.version ?? 0, at: sweepTime), reason: .unknownTask)
        }
        guard known.lastStatus != .stopped else { return nil }
        if let version = task.version {
            guard version > known.version else { return nil }
            return Observation(change: change(task, version: version, at: sweepTime), reason: .gapFilled)
        }
        let further = (task.lastStatus.rank ?? -1) > (known.lastStatus.rank ?? Int.max)
        let stopping = task.desiredStatus == .stopped && known.desiredStatus != .stopped
        guard further || stopping else { return nil }
        return Observation(change: change(task, version: known.version + 1, at: sweepTime), reason: .gapFilled)
    }

    private static func change(_ task: ResyncObservedTask, version: Int64, at now: Date) -> TaskStateChange {
        TaskStateChange(
            eventID: "resync-\(task.taskArn)-\(version)", eventTime: now, taskArn: task.taskArn,
            clusterArn: task.clusterArn, taskDefinitionArn: task.taskDefinitionArn, group: task.group,
            lastStatus: task.lastStatus, desiredStatus: task.desiredStatus, version: version, address: task.address,
            containers: task.containers, updatedAt: now, startedAt: task.startedAt,
            stoppedAt: task.stoppedAt ?? (task.lastStatus == .stopped ? now : nil)
        )
    }

    private static func change(_ task: TaskRecord, lastStatus: TaskStatus, stoppedAt: Date?, at now: Date) -> TaskStateChange {
        let version = task.version + 1
        return TaskStateChange(
            eventID: "resync-\(task.taskArn)-\(version)", eventTime: now, taskArn: task.taskArn,
            clusterArn: task.clusterArn, taskDefinitionArn: task.taskDefinitionArn, group: task.group,
            lastStatus: lastStatus, desiredStatus: .stopped, version: version, address: task.address,
            containers: task.containers, stoppedReason: "resync: task absent from ECS", updatedAt: now,
            startedAt: task.startedAt, stoppedAt: stoppedAt
        )
    }
}
