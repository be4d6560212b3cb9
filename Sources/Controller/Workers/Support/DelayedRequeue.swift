public import Foundation
public import Logging
public import ServiceLifecycle

/// Enqueues a key again at a later time: how the token worker re-checks a service whose grace
/// period has not ended yet, without counting a failed attempt.
///
/// One timer per key (a later request replaces an earlier one). Timers live in memory; after a
/// restart the start-up sweep re-checks every service, which re-arms them. Runs in the service group
/// so that shutdown cancels the timers.
public actor DelayedRequeue: Service {
    private let target: any WorkEnqueuing
    private let logger: Logger
    private var timers: [String: (due: Date, task: Task<Void, Never>)] = [:]
    private var stopped = false

    public init(target: any WorkEnqueuing, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// Enqueues `key` at `due` (at once if that has passed).
    public func schedule(_ key: String, at due: Date) {
        guard !stopped else { return }
        if let existing = timers[key], existing.due == due { return }
        timers[key]?.task.cancel()
        let delay = max(0, due.timeIntervalSinceNow)
        let target = self.target
        let logger = self.logger
        timers[key] = (due, Task {
            do { try await Task.sleep(for: .milliseconds(Int64(delay * 1000))) } catch { return }
            self.fired(key, due: due)
            do {
                try await target.enqueue([key])
            } catch {
                logger.error("Could not re-enqueue a delayed work key", metadata: [
                    "mesh.work.key": .string(key), "mesh.error": .string("\(error)"),
                ])
            }
        })
    }

    /// Keys with a pending timer (tests, metrics).
    public var pendingKeys: [String] { Array(timers.keys) }

    /// Waits for graceful shutdown (or cancellation), then cancels every timer.
    public func run() async throws {
        try? await gracefulShutdown()
        stop()
    }

    private func fired(_ key: String, due: Date) {
        if timers[key]?.due == due { timers[key] = nil }
    }

    private func stop() {
        stopped = true
        for (_, timer) in timers { timer.task.cancel() }
        timers.removeAll()
    }
}
