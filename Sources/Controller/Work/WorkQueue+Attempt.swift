import Backoff
import ErrorClassification
import Foundation
import Journal
import Logging

extension WorkQueue {
    /// Runs one attempt at `key` (already marked running in the schedule) and schedules what follows.
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
            item = try await store.startAttempt(key: key)
            storeFailureStreak = 0
        } catch {
            counters.storeErrors += 1
            storeFailureStreak += 1
            let delay = configuration.backoff.delay(attempt: storeFailureStreak - 1, using: &random)
            attemptLogger.error("Work store failed to start an attempt; retrying", metadata: [
                "mesh.work.error": "\(error)", "mesh.work.retry.delay": "\(delay)",
            ])
            return .failed(retryAt: clock.now() + delay)
        }
        // Unknown, converged or parked in the store: nothing to do.
        guard let item else { return .abandoned }

        let attempt = item.attempts + 1
        attemptLogger[metadataKey: "mesh.work.attempt"] = .stringConvertible(attempt)
        counters.attempts += 1
        do {
            try await reconciler.reconcile(key: key, logger: attemptLogger)
        } catch {
            // Shutting down: the store still says running, so the next start resumes the key.
            if Task.isCancelled { return .abandoned }
            return await recordFailure(of: item, attempt: attempt, error: error, logger: attemptLogger)
        }
        await record(key: key, generation: item.generation, succeeded: true, error: nil, errorClass: nil,
                     parked: false, notBefore: nil, logger: attemptLogger)
        return .succeeded
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
