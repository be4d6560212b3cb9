import Backoff
import ErrorClassification
import Foundation
import Journal
import Logging

extension WorkQueue {
    /// Runs one attempt at `key` (already marked running in the schedule) and schedules what follows:
    /// on success, the keys it made due and its re-check (``ReconcileResult``); on failure, its retry.
    func attempt(_ key: String) async {
        let outcome = await outcomeOfAttempt(key)
        if case .parked = outcome { counters.parked += 1 }
        _ = schedule.finish(key, outcome)
        wake()
    }

    private func outcomeOfAttempt(_ key: String) async -> WorkSchedule.Outcome {
        var attemptLogger = logger
        attemptLogger[metadataKey: "mesh.work.key"] = .string(key)

        let item: WorkItem?
        do {
            item = try await store.itemToAttempt(key: key)
            storeFailureStreak = 0
        } catch {
            counters.storeErrors += 1
            storeFailureStreak += 1
            let delay = configuration.backoff.delay(attempt: storeFailureStreak - 1, using: &random)
            attemptLogger.error("Work store failed to read a key before its attempt; retrying", metadata: [
                "mesh.work.error": "\(error)", "mesh.work.retry.delay": "\(delay)",
            ])
            return .failed(retryAt: clock.now() + delay)
        }
        // Unknown, converged or parked in the store: nothing to do.
        guard let item else { return .abandoned }

        let attempt = item.attempts + 1
        attemptLogger[metadataKey: "mesh.work.attempt"] = .stringConvertible(attempt)
        counters.attempts += 1
        let result: ReconcileResult
        do {
            result = try await reconciler.reconcile(key: key, logger: attemptLogger)
        } catch let failure as ReconcileFailure {
            if Task.isCancelled { return .abandoned }
            // Due whatever became of the attempt; a store failure keeps them for the next one.
            _ = await markFollowUps(of: key, failure.enqueue)
            return await recordFailure(of: item, attempt: attempt, error: failure.underlying, logger: attemptLogger)
        } catch {
            // Shutting down: the store still says pending, so the next start resumes the key.
            if Task.isCancelled { return .abandoned }
            return await recordFailure(of: item, attempt: attempt, error: error, logger: attemptLogger)
        }
        if let error = await markFollowUps(of: key, result.enqueue) {
            return await recordFailure(of: item, attempt: attempt, error: error, logger: attemptLogger)
        }
        rechecks.set(key, at: result.notBefore.map(offset(of:)))
        await record(key: key, generation: item.generation, succeeded: true, error: nil, errorClass: nil,
                     parked: false, notBefore: nil, logger: attemptLogger)
        return .succeeded
    }

    /// Marks the keys a converged `key` made due, with any its earlier attempt could not mark, before
    /// the key is settled (so a crash in between runs it again instead of losing them).
    /// - Returns: `nil`, or the error to record for the attempt; the keys are then kept for the next.
    private func markFollowUps(of key: String, _ keys: [String]) async -> WorkQueueError? {
        let due = (unmarkedFollowUps.removeValue(forKey: key) ?? []) + keys
        guard !due.isEmpty else { return nil }
        do {
            try await enqueue(due)
            return nil
        } catch {
            counters.storeErrors += 1
            unmarkedFollowUps[key] = due
            return .followUpsNotMarked(due, underlying: error)
        }
    }

    /// Marks keys whose ``ReconcileResult/notBefore`` came and schedules them; when the store fails,
    /// each tries again after the backoff (unless a newer answer set another time meanwhile).
    func recheck(_ keys: [String]) async {
        do {
            try await enqueue(keys)
        } catch {
            counters.storeErrors += 1
            let delay = configuration.backoff.delay(attempt: 0, using: &random)
            for key in keys where !rechecks.isSet(key) { rechecks.set(key, at: clock.now() + delay) }
            logger.error("Work store failed to mark keys due again; retrying", metadata: [
                "mesh.work.keys": "\(keys)", "mesh.work.error": "\(error)", "mesh.work.retry.delay": "\(delay)",
            ])
            wake()
        }
    }

    /// A wall-clock date as an offset on the queue's clock (now, if it has passed).
    private func offset(of date: Date) -> Duration {
        clock.now() + .seconds(max(0, date.timeIntervalSince(wallClock())))
    }

    /// Records a failed attempt and decides what follows from the error's class: a transient failure
    /// waits its backoff and runs again, however many attempts failed before; a permanent one parks
    /// the key once it has failed ``Configuration/maxAttempts`` times (at once by default), unless
    /// the key was marked again while running (then it runs again for the newer generation).
    private func recordFailure(
        of item: WorkItem, attempt: Int, error: any Error, logger: Logger
    ) async -> WorkSchedule.Outcome {
        let errorClass = ErrorClass(of: error)
        counters.failures += 1
        switch errorClass {
        case .transient: counters.transientFailures += 1
        case .permanent: counters.permanentFailures += 1
        }
        let message = String(describing: error)
        let markedMeanwhile = schedule.phases[item.key] == .running(rerun: true)
        let park = errorClass == .permanent && attempt >= configuration.maxAttempts && !markedMeanwhile
        observer?.attemptFailed(key: item.key, errorClass: errorClass, parked: park)
        if park {
            logger.error("Work key parked: the failure is permanent", metadata: [
                "mesh.work.error": "\(message)", "mesh.work.error.class": "\(errorClass)",
            ])
            await record(key: item.key, generation: item.generation, succeeded: false, error: message,
                         errorClass: errorClass, parked: true, notBefore: nil, logger: logger)
            return .parked
        }
        let delay = configuration.backoff.delay(attempt: attempt - 1, using: &random)
        logger.warning("Work attempt failed; retrying", metadata: [
            "mesh.work.error": "\(message)", "mesh.work.error.class": "\(errorClass)",
            "mesh.work.retry.delay": "\(delay)",
        ])
        let notBefore = wallClock().addingTimeInterval(Self.seconds(delay))
        await record(key: item.key, generation: item.generation, succeeded: false, error: message,
                     errorClass: errorClass, parked: false, notBefore: notBefore, logger: logger)
        return .failed(retryAt: clock.now() + delay)
    }

    /// Records an attempt; a store failure is counted and logged, not retried: the key then stays
    /// pending or running in the store, and the next rescan (or start) runs it again (harmless,
    /// level-triggered).
    private func record(
        key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?, parked: Bool,
        notBefore: Date?, logger: Logger
    ) async {
        do {
            try await store.recordAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                          errorClass: errorClass, parked: parked, notBefore: notBefore)
        } catch {
            counters.storeErrors += 1
            logger.error("Work store failed to record an attempt", metadata: ["mesh.work.error": "\(error)"])
        }
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
