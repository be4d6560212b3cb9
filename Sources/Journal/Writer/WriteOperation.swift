package import ErrorClassification
package import Foundation
package import MeshModel

/// One request to the single writer. Everything that changes the database is one of these, so all
/// writes are serialised and group-committed together.
package enum WriteOperation: Sendable {
    case append(events: [DecodedEvent], receivedAt: Date)
    case markWork(keys: [String], at: Date)
    case recordAttempt(WorkAttempt)
    case upsertService(ServiceRecord)
    case upsertTaskMeta(TaskMeta)
    /// Retention: deletes events up to `throughSequence` received before the cutoff (never the newest).
    case pruneEvents(throughSequence: Int64, receivedBefore: Date)
    /// Retention: deletes these tasks if they are still stopped with their work settled before the cutoff.
    case pruneTasks(arns: [String], settledBefore: Date)
    /// A named value the controller keeps across starts (opaque to the journal).
    case storeSetting(name: String, value: String, at: Date)
    /// Readiness: takes the write lock and commits nothing, to learn whether writes work again.
    case probe
    /// A heartbeat's health transition, with its task's work key marked pending (newer revisions only).
    case recordHealth(TaskHealthRecord, wakeKey: String)

    /// How much of a batch (and of the backpressure budget) the operation uses: events or keys.
    package var weight: Int {
        switch self {
        case .append(let events, _): max(1, events.count)
        case .markWork(let keys, _): max(1, keys.count)
        case .pruneTasks(let arns, _): max(1, arns.count)
        case .recordAttempt, .upsertService, .upsertTaskMeta, .pruneEvents, .storeSetting, .probe, .recordHealth: 1
        }
    }

    /// Whether the operation only records what the controller can work out again, so that losing
    /// it to a power failure (not to a crash of the process: the OS still writes it) costs a
    /// repeated idempotent step, never an acknowledged event: a worker's attempt outcome (the key
    /// stays pending and is worked again) and a task's described metadata (described again). A
    /// batch of only such operations commits without its own fsync (``JournalCommitter``); the next
    /// commit of anything else fsyncs the write-ahead log, and them with it.
    package var isRederivable: Bool {
        switch self {
        case .recordAttempt, .upsertTaskMeta: true
        default: false
        }
    }

    /// Whose backpressure budget the operation counts against: events from outside, or the
    /// controller's own bookkeeping (workers, resync, the admin API, retention, readiness).
    package var budget: WriteBudget {
        switch self {
        case .append: .ingest
        case .recordHealth: .health
        default: .worker
        }
    }
}

/// The two backpressure budgets of the writer's queue, counted apart so that an ingest flood
/// (answered 429) cannot make the workers' bookkeeping fail, which would stall the convergence that
/// drains it.
package enum WriteBudget: Sendable, Hashable {
    /// `POST /v1/events`: limited by ``JournalConfiguration/maxQueuedEvents``.
    case ingest
    /// Work keys, attempts, services, task metadata, retention and probes: limited by
    /// ``JournalConfiguration/maxQueuedWorkerWrites``.
    case worker
    /// Heartbeats' health transitions (a warm-up sends one per task at once): limited by
    /// ``JournalConfiguration/maxQueuedWorkerWrites`` too, but counted apart from the workers', so
    /// a burst of first heartbeats cannot make the workers' bookkeeping fail, nor the reverse.
    case health
}

/// The outcome of a worker's attempt at a work key.
package struct WorkAttempt: Sendable {
    package var key: String
    /// The generation the worker read when it started; a newer one means an event arrived meanwhile.
    package var generation: Int64
    package var succeeded: Bool
    package var error: String?
    /// The class of ``error``.
    package var errorClass: ErrorClass?
    /// Park the key as failed (only if no newer event arrived).
    package var parked: Bool
    package var notBefore: Date?
    package var at: Date

    package init(key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?,
                 parked: Bool, notBefore: Date?, at: Date) {
        self.key = key
        self.generation = generation
        self.succeeded = succeeded
        self.error = error
        self.errorClass = errorClass
        self.parked = parked
        self.notBefore = notBefore
        self.at = at
    }

    /// The key as this attempt leaves it (both journals store exactly this). Success settles the key
    /// only if no newer event bumped its generation meanwhile; failure counts the attempt and either
    /// schedules a retry or parks it (a newer generation keeps it pending).
    package func settle(_ stored: WorkItem) -> WorkItem {
        var item = stored
        let current = item.generation == generation
        if succeeded {
            item.state = current ? .done : .pending
            item.attempts = 0
            item.lastError = nil
            item.lastErrorClass = nil
            item.notBefore = nil
        } else {
            item.state = parked && current ? .failed : .pending
            item.attempts += 1
            item.lastError = error
            item.lastErrorClass = errorClass
            item.notBefore = notBefore
        }
        item.updatedAt = at
        return item
    }
}

/// What one operation produced.
package enum WriteOutput: Sendable {
    case appended([AppendResult])
    case workItem(WorkItem?)
    /// Rows deleted by a retention operation.
    case pruned(Int)
    /// Whether a conditional write changed anything.
    case stored(Bool)
    case done

    /// The results of an append of `count` events; anything else is a bug of the commit, reported
    /// as ``JournalError/failed`` rather than trusted.
    package func appendResults(count: Int) -> Result<[AppendResult], JournalError> {
        guard case .appended(let results) = self, results.count == count else {
            return .failure(JournalError.failed.with(message: "append produced an unexpected result"))
        }
        return .success(results)
    }
}
