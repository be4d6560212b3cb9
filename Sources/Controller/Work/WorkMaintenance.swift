/// When the ``WorkQueue``'s periodic jobs are due: pure value code on the queue's clock offsets.
///
/// - ``Job/rescan``: schedule every key the store holds as pending that the in-memory schedule does
///   not (a key whose outcome could not be recorded, or any other gap), so no key waits for a later
///   event or a restart to be worked.
/// - ``Job/parkedRecheck``: wake every parked key, so that nothing stays parked forever even when
///   no event, resync or configuration change touches it.
///
/// A job is never run twice at once: it is due again one interval after its last run *finished*.
struct WorkMaintenance {
    enum Job: String, CaseIterable, Sendable {
        case rescan
        case parkedRecheck
    }

    private let intervals: [Job: Duration]
    /// Next due offset per idle job; a running job has none.
    private var due: [Job: Duration] = [:]
    private var running: Set<Job> = []
    /// Running jobs asked for again meanwhile: due as soon as they finish.
    private var again: Set<Job> = []

    /// - Parameters:
    ///   - intervals: The period of each job; a job without one never runs.
    ///   - now: The queue's clock now: each job is first due one interval later.
    init(intervals: [Job: Duration], now: Duration) {
        self.intervals = intervals.filter { $0.value > .zero }
        for (job, interval) in self.intervals { due[job] = now + interval }
    }

    /// The jobs due by `now`, in a fixed order; each is marked running until ``finished(_:now:)``.
    mutating func startDue(now: Duration) -> [Job] {
        let jobs = Job.allCases.filter { job in due[job].map { $0 <= now } ?? false }
        for job in jobs {
            due[job] = nil
            running.insert(job)
        }
        return jobs
    }

    /// `job` finished: it is due again one interval from `now`, or at once when asked meanwhile.
    mutating func finished(_ job: Job, now: Duration) {
        running.remove(job)
        if again.remove(job) != nil {
            due[job] = now
            return
        }
        guard let interval = intervals[job] else { return }
        due[job] = now + interval
    }

    /// Asks for `job` now (also when it has no period): due at once when idle, or again right
    /// after the run in progress, which may have read the store before what prompted the request.
    mutating func requestNow(_ job: Job, now: Duration) {
        if running.contains(job) {
            again.insert(job)
        } else {
            due[job] = now
        }
    }

    /// The earliest due offset of an idle job, if any.
    var nextDeadline: Duration? { due.values.min() }
}
