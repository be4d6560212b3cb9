import ErrorClassification
import Foundation
import Journal
import LeaderElection
import MeshModel

/// The admin API's JSON documents (schemas in `api/openapi.yaml`). Optional members are omitted
/// when unknown. Nothing here can hold a token secret: services carry only the accessor ID and the
/// secret's ARN.

struct AdminStatusDocument: Encodable {
    struct JournalPart: Encodable {
        var sequence: Int64
        var databaseBytes: Int64
        var lastEventAt: Date?
        var lastEventAgeSeconds: Double?
        /// `healthy`, `failing` (the last write failed for a reason that may pass) or `stopped` (a
        /// fatal write failure: nothing more is acknowledged and the process is exiting).
        var writes: String
        /// The failure behind `failing` or `stopped`.
        var writeError: String?

        init(sequence: Int64, databaseBytes: Int64, lastEventAt: Date?, lastEventAgeSeconds: Double?,
             writes: JournalWriteStatus) {
            self.sequence = sequence
            self.databaseBytes = databaseBytes
            self.lastEventAt = lastEventAt
            self.lastEventAgeSeconds = lastEventAgeSeconds
            switch writes {
            case .healthy:
                self.writes = "healthy"
            case .failing(let error):
                self.writes = "failing"
                writeError = error.description
            case .stopped(let error):
                self.writes = "stopped"
                writeError = error.description
            }
        }
    }
    struct WorkPart: Encodable {
        var keys: [String: Int]
        var oldestPendingAgeSeconds: Double?
        var workersEnabled: Bool
        var attempts: Int?
        var failures: Int?
        /// Failed attempts by class since start: transient ones were retried, permanent ones parked.
        var transientFailures: Int?
        var permanentFailures: Int?
        var parked: Int?
        var inFlight: Int?
        /// Keys backing off before their next attempt.
        var backingOff: Int?
    }
    struct DependencyPart: Encodable {
        /// Answered (any HTTP status) within ``AdminAPI/recentWindow``.
        var answeredRecently: Bool
        var lastAnswerAt: Date?
        var lastSuccessAt: Date?
        var lastFailureAt: Date?
        var calls: Int
        var failures: Int
    }
    var version: String
    /// This replica's name (``ClusterView``).
    var replicaId: String
    /// `leader` (runs the work) or `follower` (ingests only).
    var role: LeaseState.Role
    /// The replica that holds the lease, if known.
    var leaderId: String?
    /// The leadership term: 1 for a single process, growing by one with each new leader.
    var epoch: Int64?
    /// Replicas that reported recently.
    var replicas: [ClusterView.Replica]
    /// Why `replicas` lists only this one (the lease store failed).
    var replicasError: String?
    var startedAt: Date
    var uptimeSeconds: Double
    var journal: JournalPart
    var work: WorkPart
    var consul: DependencyPart
    var aws: DependencyPart
    var resyncAvailable: Bool
    /// Present when the resync service reports its state (``ResyncStatusReporting``).
    var resync: ResyncPart?

    struct ResyncPart: Encodable {
        var running: Int?
        var pending: Bool
        var completedSweeps: Int
        var lastSweep: Int?
        var lastReason: String?
        var lastStartedAt: Date?
        var lastDurationSeconds: Double?
        var lastThrottled: Bool?
        /// The last sweep's problems: unreadable tasks, clusters whose sweep stopped early.
        var problems: [String]

        init(_ status: ResyncService.Status) {
            running = status.running
            pending = status.pending
            completedSweeps = status.completedSweeps
            lastSweep = status.lastReport?.sweep
            lastReason = status.lastReport?.reason
            lastStartedAt = status.lastReport?.startedAt
            lastDurationSeconds = status.lastReport.map {
                let (seconds, attoseconds) = $0.duration.components
                return ((Double(seconds) + Double(attoseconds) / 1e18) * 1000).rounded() / 1000
            }
            lastThrottled = status.lastReport?.throttled
            problems = status.problems
        }
    }
}

struct AdminWorkDocument: Encodable {
    var key: String
    /// `task:<taskId>`, `service:<name>` or `client-token`: what `POST /v1/work/{key}/retry` takes.
    var shortKey: String
    var kind: String
    var state: String
    var generation: Int64
    var attempts: Int
    var lastError: String?
    /// `transient` (retried until it passes) or `permanent` (parked at once).
    var lastErrorClass: String?
    /// When the next attempt runs, while the key backs off after a failure.
    var notBefore: Date?
    var updatedAt: Date

    init(_ item: WorkItem) {
        key = item.key
        shortKey = Self.shortKey(item.key)
        kind = MeasuredReconciler.kind(of: item.key)
        state = item.state.rawValue
        generation = item.generation
        attempts = item.attempts
        lastError = item.lastError
        lastErrorClass = item.lastErrorClass?.rawValue
        notBefore = item.notBefore
        updatedAt = item.updatedAt
    }

    /// The key without ARNs (``WorkKey/shortForm``): `task:arn:…/cluster/ID` → `task:ID`; a key no
    /// worker owns stays as it is.
    static func shortKey(_ key: String) -> String {
        WorkKey(key)?.shortForm ?? key
    }
}

struct AdminContainerDocument: Encodable {
    var name: String
    var lastStatus: String?
    var healthStatus: String?
    var exitCode: Int?
}

struct AdminTaskDocument: Encodable {
    var taskId: String
    var taskArn: String
    var clusterArn: String
    var lastStatus: String
    var desiredStatus: String?
    var version: Int64
    var family: String?
    var group: String?
    var address: String?
    var startedAt: Date?
    var stoppedAt: Date?
    var updatedAt: Date?
    var containers: [AdminContainerDocument]
    /// `nil` until the task's tags were read from ECS.
    var inMesh: Bool?
    var serviceName: String?
    /// What the controller wants in Consul for this task (see `desiredState(_:)`).
    var desiredState: String
    var workState: String?

    init(_ row: AdminTaskRow, work: WorkItem?) {
        let task = row.task
        taskId = task.taskID
        taskArn = task.taskArn
        clusterArn = task.clusterArn
        lastStatus = task.lastStatus.rawValue
        desiredStatus = task.desiredStatus?.rawValue
        version = task.version
        family = task.family
        group = task.group
        address = task.address
        startedAt = task.startedAt
        stoppedAt = task.stoppedAt
        updatedAt = task.updatedAt
        containers = task.containers.map {
            AdminContainerDocument(name: $0.name, lastStatus: $0.lastStatus, healthStatus: $0.healthStatus, exitCode: $0.exitCode)
        }
        inMesh = row.meta?.mesh
        serviceName = row.meta?.serviceName
        desiredState = Self.desiredState(row)
        workState = work?.state.rawValue
    }

    /// The controller's intent for the task, in the words of the README:
    /// `unknown` (tags not read yet), `not-in-mesh`, `deregistered` (stopped), `draining` (stopping:
    /// checks critical), `registered` (running), `pending` (not running yet).
    static func desiredState(_ row: AdminTaskRow) -> String {
        guard let meta = row.meta else { return "unknown" }
        guard meta.mesh else { return "not-in-mesh" }
        if row.task.lastStatus == .stopped { return "deregistered" }
        if row.task.desiredStatus == .stopped { return "draining" }
        if row.task.lastStatus == .running { return "registered" }
        return "pending"
    }
}

struct AdminJournalEntryDocument: Encodable {
    var sequence: Int64
    var receivedAt: Date
    var eventId: String
    var taskArn: String
    var version: Int64
    var lastStatus: String
    var outcome: String
    var source: String
    /// The event as received (only in `GET /v1/journal`).
    var event: String?

    init(_ entry: JournalEntry, includeBody: Bool) {
        sequence = entry.sequence
        receivedAt = entry.receivedAt
        eventId = entry.eventID
        taskArn = entry.taskArn
        version = entry.version
        lastStatus = entry.lastStatus
        outcome = entry.outcome.rawValue
        source = entry.source
        event = includeBody ? entry.body : nil
    }
}

struct AdminTaskDetailDocument: Encodable {
    var task: AdminTaskDocument
    var work: AdminWorkDocument?
    var lastError: String?
    var tags: [String: String]?
    var servicePort: Int?
    var describedAt: Date?
    /// How the mesh settings were decided (source, warnings, error); `nil` until the task is resolved.
    var meshConfig: MeshConfigStatus?
    var journal: [AdminJournalEntryDocument]
}

struct AdminServiceDocument: Encodable {
    var name: String
    var clusterArn: String
    var tasks: [String]
    var accessorId: String?
    var secretArn: String?
    var tokenDeletedAt: Date?
    var lastTaskSeenAt: Date?
    var updatedAt: Date
    var workState: String?

    init(_ row: AdminServiceRow, work: WorkItem?) {
        name = row.service.name
        clusterArn = row.service.clusterArn
        tasks = row.taskIDs
        accessorId = row.service.accessorID
        secretArn = row.service.secretArn
        tokenDeletedAt = row.service.tokenDeletedAt
        lastTaskSeenAt = row.service.lastTaskSeenAt
        updatedAt = row.service.updatedAt
        workState = work?.state.rawValue
    }
}

struct AdminRetryDocument: Encodable {
    /// The stored keys.
    var retried: [String]
    /// The same keys in the same order, short (``AdminWorkDocument/shortKey(_:)``): what `work`
    /// shows and `retry` takes.
    var shortKeys: [String]
    /// False when no work queue runs (AWS not configured): the keys are marked pending in the
    /// journal and run at the next start.
    var scheduled: Bool

    init(retried: [String], scheduled: Bool) {
        self.retried = retried
        shortKeys = retried.map(AdminWorkDocument.shortKey)
        self.scheduled = scheduled
    }
}

struct AdminResyncDocument: Encodable {
    /// The sweep that will cover the request; absent when another replica (the leader) runs it.
    var sweep: Int?
    var coalesced: Bool
    /// The replica that runs the sweep: this one when it leads, else the leader as far as known.
    var runsOn: String
    /// The work key a follower marked for the leader (`resync`); absent on the leader.
    var workKey: String?
}
