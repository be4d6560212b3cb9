public import ErrorClassification
public import Foundation
public import Journal
public import MeshModel

/// The journal as the leader-only work sees it: every write that records work (attempt outcomes,
/// services and their token hashes, task metadata, settings, resync observations, marks made by
/// workers, retention, heartbeat expiry) carries this replica's fence, so a replica that lost its
/// lease records nothing more (the check is local, and the PostgreSQL journal also compares the
/// epoch in the write's transaction). Reads and ingest (`append`) pass through unchanged; a
/// caller's own fence wins over this one.
///
/// Ingest, heartbeats and the admin API use the journal itself: they are no one's work.
public struct FencedJournal: JournalStore {
    public let base: any JournalStore
    public let fence: any WorkFence

    public init(_ base: any JournalStore, fence: any WorkFence) {
        self.base = base
        self.fence = fence
    }

    // MARK: Fenced writes

    public func observe(_ changes: [TaskStateChange], source: String, observedAt: Date,
                        fence: (any WorkFence)?) async throws(JournalError) -> [AppendResult] {
        try await base.observe(changes, source: source, observedAt: observedAt, fence: fence ?? self.fence)
    }

    public func prune(before cutoff: Date, chunk: Int, fence: (any WorkFence)?) async throws(JournalError) -> JournalPruneReport {
        try await base.prune(before: cutoff, chunk: chunk, fence: fence ?? self.fence)
    }

    public func markWork(_ keys: [String], at date: Date, fence: (any WorkFence)?) async throws(JournalError) {
        try await base.markWork(keys, at: date, fence: fence ?? self.fence)
    }

    @discardableResult
    public func recordAttempt(key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?,
                              parked: Bool, notBefore: Date?, at date: Date,
                              fence: (any WorkFence)?) async throws(JournalError) -> WorkItem? {
        try await base.recordAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                     errorClass: errorClass, parked: parked, notBefore: notBefore, at: date,
                                     fence: fence ?? self.fence)
    }

    public func upsertService(_ service: ServiceRecord, fence: (any WorkFence)?) async throws(JournalError) {
        try await base.upsertService(service, fence: fence ?? self.fence)
    }

    public func upsertTaskMeta(_ meta: TaskMeta, fence: (any WorkFence)?) async throws(JournalError) {
        try await base.upsertTaskMeta(meta, fence: fence ?? self.fence)
    }

    public func storeSetting(_ name: String, value: String, at date: Date, fence: (any WorkFence)?) async throws(JournalError) {
        try await base.storeSetting(name, value: value, at: date, fence: fence ?? self.fence)
    }

    @discardableResult
    public func recordHealth(_ record: TaskHealthRecord, wakeKey: String,
                             fence: (any WorkFence)?) async throws(JournalError) -> Bool {
        try await base.recordHealth(record, wakeKey: wakeKey, fence: fence ?? self.fence)
    }

    // MARK: Unfenced: ingest and reads

    public func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult] {
        try await base.append(events, receivedAt: receivedAt)
    }

    public func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion) {
        base.append(events, receivedAt: receivedAt, completion: completion)
    }

    public func task(arn: String) async throws(JournalError) -> TaskRecord? { try await base.task(arn: arn) }

    public func tasks(cluster: String?, status: String?, limit: Int, after: String?) async throws(JournalError) -> [TaskRecord] {
        try await base.tasks(cluster: cluster, status: status, limit: limit, after: after)
    }

    public func tasks(arns: some Collection<String>) async throws(JournalError) -> [String: TaskRecord] {
        try await base.tasks(arns: arns)
    }

    public func entries(after sequence: Int64, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await base.entries(after: sequence, limit: limit)
    }

    public func entries(forTask arn: String, limit: Int) async throws(JournalError) -> [JournalEntry] {
        try await base.entries(forTask: arn, limit: limit)
    }

    public func lastSequence() async throws(JournalError) -> Int64 { try await base.lastSequence() }

    public func source(ofSequence sequence: Int64) async throws(JournalError) -> String? {
        try await base.source(ofSequence: sequence)
    }

    public func pendingWork(limit: Int, after: String?) async throws(JournalError) -> [WorkItem] {
        try await base.pendingWork(limit: limit, after: after)
    }

    public func work(state: WorkState?, limit: Int, after: String?) async throws(JournalError) -> [WorkItem] {
        try await base.work(state: state, limit: limit, after: after)
    }

    public func workItem(key: String) async throws(JournalError) -> WorkItem? { try await base.workItem(key: key) }

    public func workItems(keys: some Collection<String>) async throws(JournalError) -> [String: WorkItem] {
        try await base.workItems(keys: keys)
    }

    public func workKeys(prefix: String, suffix: String) async throws(JournalError) -> [WorkItem] {
        try await base.workKeys(prefix: prefix, suffix: suffix)
    }

    public func workCounts() async throws(JournalError) -> [WorkState: Int] { try await base.workCounts() }

    public func service(name: String) async throws(JournalError) -> ServiceRecord? { try await base.service(name: name) }

    public func services() async throws(JournalError) -> [ServiceRecord] { try await base.services() }

    public func taskMeta(arn: String) async throws(JournalError) -> TaskMeta? { try await base.taskMeta(arn: arn) }

    public func taskMeta(arns: some Collection<String>) async throws(JournalError) -> [String: TaskMeta] {
        try await base.taskMeta(arns: arns)
    }

    public func setting(_ name: String) async throws(JournalError) -> String? { try await base.setting(name) }

    public func taskHealth(arn: String) async throws(JournalError) -> TaskHealthRecord? {
        try await base.taskHealth(arn: arn)
    }

    public func taskHealthRecords() async throws(JournalError) -> [TaskHealthRecord] { try await base.taskHealthRecords() }

    public func heartbeatIdentity(taskArn: String) async throws(JournalError) -> HeartbeatIdentity? {
        try await base.heartbeatIdentity(taskArn: taskArn)
    }

    public func heartbeatIdentities() async throws(JournalError) -> [HeartbeatIdentity] {
        try await base.heartbeatIdentities()
    }

    public func serviceTokenHashes() async throws(JournalError) -> [String: String] { try await base.serviceTokenHashes() }

    public func adminTasks(cluster: String?, service: String?, status: String?, limit: Int,
                           after: String?) async throws(JournalError) -> [AdminTaskRow] {
        try await base.adminTasks(cluster: cluster, service: service, status: status, limit: limit, after: after)
    }

    public func adminTasks(id taskID: String) async throws(JournalError) -> [AdminTaskRow] {
        try await base.adminTasks(id: taskID)
    }

    public func adminServices(limit: Int, after: String?) async throws(JournalError) -> [AdminServiceRow] {
        try await base.adminServices(limit: limit, after: after)
    }

    public func adminSummary() async throws(JournalError) -> JournalSummary { try await base.adminSummary() }

    // MARK: Write health, signals and lifecycle

    public var writeStatus: JournalWriteStatus { base.writeStatus }

    public func writesStopped() async -> JournalError? { await base.writesStopped() }

    @discardableResult
    public func probeWrites() async -> JournalWriteStatus { await base.probeWrites() }

    public var statistics: JournalStatistics { base.statistics }

    public func workSignals() -> AsyncStream<[String]> { base.workSignals() }

    public func close() async { await base.close() }
}
