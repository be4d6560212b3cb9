import Foundation
import Journal
import Logging

/// The queue's walks over the store: resuming every pending key (at start and by the periodic
/// rescan) and waking every parked key (the periodic re-check, a configuration change, an
/// operator's retry of all failed keys). Each walks the store page by page, so no limit leaves a
/// key behind.
extension WorkQueue {
    /// Wakes every parked key: marks it again (a fresh attempt budget) and schedules it.
    /// - Returns: How many keys were woken.
    /// - Throws: The store's error; keys of earlier pages stay woken.
    @discardableResult
    public func retryAllFailed() async throws -> Int {
        var woken = 0
        var after: String?
        while true {
            let page = try await store.failedWork(limit: configuration.batchLimit, after: after)
            guard let last = page.last else { break }
            try await enqueue(page.map(\.key))
            woken += page.count
            after = last.key
            if page.count < configuration.batchLimit { break }
        }
        return woken
    }

    /// Schedules every key the store holds as pending or running that the schedule does not hold:
    /// due ones at once, backing-off ones at their `notBefore`.
    /// - Returns: How many keys were scheduled.
    /// - Throws: The store's error; keys of earlier pages stay scheduled.
    func scheduleStoredPending() async throws -> Int {
        var scheduled = 0
        var after: String?
        while true {
            let page = try await store.pendingWork(limit: configuration.batchLimit, after: after)
            guard let last = page.last else { break }
            let wallNow = wallClock()
            let now = clock.now()
            var ready: [String] = []
            for item in page where schedule.phases[item.key] == nil {
                let remaining = item.notBefore.map { $0.timeIntervalSince(wallNow) } ?? 0
                schedule.resume(item.key, notBefore: remaining > 0 ? now + .seconds(remaining) : nil)
                if remaining <= 0 { ready.append(item.key) }
                scheduled += 1
            }
            if !ready.isEmpty { lookahead?.upcoming(ready) }
            if scheduled > 0 { wake() }
            after = last.key
            if page.count < configuration.batchLimit { break }
        }
        return scheduled
    }

    /// The periods of the maintenance jobs, from the configuration.
    var maintenanceIntervals: [WorkMaintenance.Job: Duration] {
        var intervals: [WorkMaintenance.Job: Duration] = [:]
        intervals[.rescan] = configuration.rescanInterval
        intervals[.parkedRecheck] = configuration.parkedRecheckInterval
        return intervals
    }

    /// Runs one maintenance job; a store failure is logged and the job runs again next period.
    func perform(_ job: WorkMaintenance.Job) async {
        do {
            switch job {
            case .rescan:
                let found = try await scheduleStoredPending()
                counters.rescued += found
                if found > 0 {
                    logger.notice("Rescan scheduled pending keys the queue did not hold", metadata: [
                        "mesh.work.rescued": "\(found)",
                    ])
                }
            case .parkedRecheck:
                let woken = try await retryAllFailed()
                counters.recheckedParked += woken
                if woken > 0 {
                    logger.info("Parked keys woken by the periodic re-check", metadata: ["mesh.work.woken": "\(woken)"])
                }
            }
        } catch {
            counters.storeErrors += 1
            logger.error("Work queue maintenance failed; it runs again next period", metadata: [
                "mesh.work.job": "\(job.rawValue)", "mesh.work.error": "\(error)",
            ])
        }
        maintenance.finished(job, now: clock.now())
        wake()
    }
}
