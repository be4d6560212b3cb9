public import Logging
import Synchronization

/// The sidecar's loop: every interval, read the task's container health from the metadata
/// endpoint and post it to the controller.
///
/// - Unreachable controller (or 429/5xx): retry with exponential backoff up to `maxBackoff`,
///   re-reading the metadata each time so the retry carries fresh health.
/// - Refusal (other 4xx, e.g. a wrong token): logged, retried at the normal interval.
/// - ``requestStop()`` (SIGTERM): wakes the loop at once, every later report says STOPPING, and
///   ``run()`` returns once every other container of the task has stopped — the controller keeps
///   the checks critical meanwhile (consul-ecs #284), and the last heartbeat went out after the apps.
///
/// Thread-safe: ``requestStop()`` may be called from any task (the signal handler).
public final class HeartbeatAgent: Sendable {
    private struct State {
        var stopRequested = false
        var wakePending = false
        var sleeper: Task<Void, Never>?
    }

    private let configuration: HeartbeatAgentConfiguration
    private let transport: any HeartbeatTransport
    private let logger: Logger
    private let state = Mutex(State())

    /// While stopping, the app containers are polled at least this often (consul-ecs polls every second).
    static let stoppingPollInterval: Duration = .seconds(1)

    public init(configuration: HeartbeatAgentConfiguration, transport: any HeartbeatTransport, logger: Logger) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
    }

    /// Asks the loop to report STOPPING from now on and to end once the app containers stopped.
    public func requestStop() {
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            state.stopRequested = true
            state.wakePending = true
            return state.sleeper
        }
        sleeper?.cancel()
    }

    /// Runs until stopped (see the type's discussion) or cancelled.
    public func run() async {
        var selfName = configuration.selfContainerName
        var backoff = min(Duration.milliseconds(250), configuration.maxBackoff)
        var lastStopped = false
        while !Task.isCancelled {
            let stopping = state.withLock { $0.stopRequested }
            if selfName == nil {
                selfName = try? await transport.fetchSelfName()
            }
            do {
                let metadata = try await transport.fetchTask()
                lastStopped = HeartbeatReport.appContainersStopped(metadata, selfName: selfName)
                let report = HeartbeatReport(metadata: metadata, state: stopping ? .stopping : .running,
                                             selfName: selfName, only: configuration.containers)
                let status = try await transport.post(report)
                if status == 429 || status >= 500 { throw ControllerUnavailable(status: status) }
                if !(200..<300).contains(status) {
                    logger.warning("Controller refused the heartbeat", metadata: [
                        "http.status": .stringConvertible(status), "mesh.task.arn": .string(metadata.taskArn),
                    ])
                }
                backoff = min(Duration.milliseconds(250), configuration.maxBackoff)
                if stopping && lastStopped {
                    logger.info("App containers stopped after STOPPING was reported; exiting")
                    return
                }
                await pause(stopping ? min(configuration.interval, Self.stoppingPollInterval) : configuration.interval)
            } catch {
                if stopping && lastStopped {
                    logger.warning("App containers stopped; exiting without a final heartbeat", metadata: [
                        "mesh.error": .string("\(error)"),
                    ])
                    return
                }
                logger.warning("Heartbeat not delivered; retrying", metadata: [
                    "mesh.error": .string("\(error)"), "mesh.retry.delay": .string("\(backoff)"),
                ])
                await pause(backoff)
                backoff = min(backoff * 2, configuration.maxBackoff)
            }
        }
    }

    /// Sleeps for `duration`, or less if a stop is requested meanwhile.
    private func pause(_ duration: Duration) async {
        let sleeper = Task<Void, Never> { _ = try? await Task.sleep(for: duration) }
        let wakeNow = state.withLock { state -> Bool in
            if state.wakePending {
                state.wakePending = false
                return true
            }
            state.sleeper = sleeper
            return false
        }
        if wakeNow { sleeper.cancel() }
        await sleeper.value
        state.withLock { state in
            state.sleeper = nil
            state.wakePending = false
        }
    }
}

/// The controller answered 429 or 5xx: worth a quick retry.
struct ControllerUnavailable: Error, CustomStringConvertible {
    var status: Int
    var description: String { "controller answered HTTP \(status)" }
}
