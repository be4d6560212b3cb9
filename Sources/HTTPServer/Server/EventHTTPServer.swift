public import Logging
import Synchronization

/// An HTTP/1.1 server on libevent's evhttp: one loop thread for all sockets, handlers as Swift
/// tasks off the loop.
///
/// The loop thread only parses (evhttp), admits, copies each request into an ``HTTPRequest``
/// and writes replies; handlers run concurrently in a task group, and their responses return
/// to the loop through ``LoopThread``'s coalescing bridge. A loop route
/// (``Router/addOnLoop(_:_:handler:)``) starts its handler on the loop thread instead, for a hot
/// path whose work is a short check and a hand-off to a thread of its own; it answers through the
/// same bridge. Every request gets exactly one
/// reply: the handler's, or a 503 problem when the handler misses
/// ``HTTPServerConfiguration/replyDeadline`` (the late reply is then dropped).
///
/// ```swift
/// var router = Router()
/// router.add(.get, "/healthz") { _ in HTTPResponse(status: 200) }
/// let server = EventHTTPServer(
///     configuration: HTTPServerConfiguration(listeners: [
///         .init(name: "public", host: "127.0.0.1", port: 8080, router: router),
///     ]),
///     logger: logger
/// )
/// let ports = try await server.start()  // optional: run() starts it too
/// try await server.run()              // until graceful shutdown or cancellation
/// ```
///
/// Put it last in a `ServiceGroup` so that it stops first and drains while the services its
/// handlers use are still up.
public final class EventHTTPServer: Sendable {
    struct Running: Sendable {
        let loop: LoopThread
        let core: ServerCore
        let dispatcher: HandlerDispatcher
        let dispatcherTask: Task<Void, Never>
        let dispatcherFinished: AsyncSignal
        let ports: [String: Int]
    }

    enum Lifecycle {
        case idle
        /// A ``start()`` is binding; the signal fires when it has finished, either way.
        case starting(AsyncSignal)
        case running(Running)
        case stopping(Running)
        case stopped
    }

    let configuration: HTTPServerConfiguration
    let logger: Logger
    let lifecycle = Mutex(Lifecycle.idle)
    let shutdownRequested = AsyncSignal()
    let cancelled = Atomic<Bool>(false)
    /// Lock-free so that handlers (readiness checks) never wait on ``start()``.
    let accepting = AcceptingFlag()
    private let stopped = AsyncSignal()

    /// How long shutdown waits for handler tasks that outlived their requests (already answered
    /// with 503) before leaving them to finish on their own.
    static let handlerWindDownLimit: Duration = .seconds(1)

    public init(configuration: HTTPServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Binds every listener and starts the loop thread and the handler dispatcher.
    ///
    /// Idempotent while running (returns the same ports); concurrent calls wait for the first.
    /// Suspends, without blocking its thread or holding a lock, while the loop thread binds.
    /// - Returns: The bound port per listener name (useful with port `0`).
    /// - Throws: ``HTTPServerError`` (`.invalidConfiguration`, `.bindFailed`, `.libeventFailure`,
    ///   `.unsupportedLibevent`, or `.shutDown` after ``shutdown()``).
    @discardableResult
    public func start() async throws -> [String: Int] {
        enum Step { case done([String: Int]), shutDown, wait(AsyncSignal), launch(AsyncSignal) }
        while true {
            let step = lifecycle.withLock { state -> Step in
                switch state {
                case .running(let running): return .done(running.ports)
                case .stopping, .stopped: return .shutDown
                case .starting(let started): return .wait(started)
                case .idle:
                    let started = AsyncSignal()
                    state = .starting(started)
                    return .launch(started)
                }
            }
            switch step {
            case .done(let ports):
                return ports
            case .shutDown:
                throw HTTPServerError(.shutDown, "the server has been shut down and cannot start again")
            case .wait(let started):
                await started.wait()
            case .launch(let started):
                defer { started.signal() }
                do {
                    try configuration.validate()
                    let running = try await launch()
                    // shutdown() waits while the state is `.starting`, so nothing else changed it.
                    lifecycle.withLock { $0 = .running(running) }
                    return running.ports
                } catch {
                    lifecycle.withLock { $0 = .idle }
                    throw error
                }
            }
        }
    }

    /// Whether listeners are open and new requests are admitted (false before start and once
    /// shutdown begins).
    public var isAcceptingRequests: Bool {
        accepting.isSet
    }

    /// Graceful shutdown: closes the listeners (new connections are refused), answers new
    /// requests on open connections with 503 + `Connection: close`, lets in-flight requests
    /// finish for up to ``HTTPServerConfiguration/shutdownGracePeriod`` (then 503s the rest),
    /// stops the loop, joins its thread, and frees evhttp and then the base.
    ///
    /// Safe to call more than once and from several tasks; every call returns once stopped.
    public func shutdown() async {
        shutdownRequested.signal()
        enum Action { case perform(Running), wait, waitForStart(AsyncSignal), none }
        while true {
            let action = lifecycle.withLock { state -> Action in
                switch state {
                case .idle:
                    state = .stopped
                    return .none
                case .starting(let started):
                    return .waitForStart(started)
                case .running(let running):
                    state = .stopping(running)
                    return .perform(running)
                case .stopping:
                    return .wait
                case .stopped:
                    return .none
                }
            }
            switch action {
            case .none:
                stopped.signal()
            case .wait:
                await stopped.wait()
            case .waitForStart(let started):
                await started.wait()
                continue
            case .perform(let running):
                await stop(running)
                lifecycle.withLock { $0 = .stopped }
                stopped.signal()
            }
            return
        }
    }

    private func stop(_ running: Running) async {
        let core = running.core
        let grace = cancelled.load(ordering: .acquiring) ? .zero : configuration.shutdownGracePeriod
        let drained = AsyncSignal()
        if running.loop.execute({ core.beginDrain(gracePeriod: grace, done: drained) }) {
            await drained.wait()
        }
        running.dispatcher.finish()
        running.dispatcherTask.cancel()
        let windDown = Task {
            try? await Task.sleep(for: Self.handlerWindDownLimit)
            running.dispatcherFinished.signal()
        }
        await running.dispatcherFinished.wait()
        windDown.cancel()
        await running.loop.stop(final: { core.tearDown() })
        logger.info("HTTP server stopped")
    }

    /// Ends the grace period at once (the run task was cancelled).
    func cutGracePeriodShort() {
        cancelled.store(true, ordering: .releasing)
        shutdownRequested.signal()
        lifecycle.withLock { state in
            if case .stopping(let running) = state {
                let core = running.core
                running.loop.execute { core.endGracePeriod() }
            }
        }
    }
}

extension EventHTTPServer {
    /// The loop's counters, read on the loop (`nil` unless running). For tests and diagnostics.
    func statistics() async -> ServerStatistics? {
        let running: Running? = lifecycle.withLock { state in
            switch state {
            case .running(let running), .stopping(let running): running
            case .idle, .starting, .stopped: nil
            }
        }
        guard let running else { return nil }
        let core = running.core
        return await withCheckedContinuation { continuation in
            let submitted = running.loop.execute {
                var statistics = core.statistics
                statistics.runningHandlers = core.runningHandlers
                continuation.resume(returning: statistics)
            }
            if !submitted { continuation.resume(returning: nil) }
        }
    }
}
