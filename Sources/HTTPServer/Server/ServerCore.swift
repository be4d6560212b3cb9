import CLibevent
import Logging
import Synchronization

/// The loop-side half of ``EventHTTPServer``: evhttp objects, the pending-request table, reply
/// deadlines and the shutdown drain.
///
/// Safety (`@unchecked Sendable`): every `var` below and every libevent handle is used only on
/// the loop thread (checked with ``LoopThread/preconditionOnLoop(file:line:)`` at each entry
/// point). Off the loop, only ``reply(_:isHead:_:)`` runs, which touches immutable state and
/// hands its work to ``LoopThread/execute(_:)``; ``accepting`` is atomic.
final class ServerCore: @unchecked Sendable {
    let loop: LoopThread
    let configuration: HTTPServerConfiguration
    let logger: Logger
    let dispatcher: HandlerDispatcher
    /// Whether listeners are open; shared with ``EventHTTPServer`` so it can read it lock-free.
    let accepting: AcceptingFlag

    let maxPendingRequests: Int
    let maxBodySize: Int
    let replyDeadlineNanoseconds: Int64
    /// Each listener's router, for its loop handlers (``Router/loopHandler(for:)``).
    let routers: [Router]
    let loopHandlerBodyLimit: Int

    // MARK: Loop-only state
    var listeners: [ListenerContext] = []
    var table: RequestTable
    /// Admitted requests whose handler has not returned yet, answered or not: what
    /// ``HTTPServerConfiguration/maxPendingRequests`` bounds. A request the reply deadline answered
    /// still counts until its handler's (late) reply arrives, so a stalled dependency cannot pile
    /// up more handler tasks than the limit.
    var runningHandlers = 0
    var requestIDs = RequestIDSequence()
    var deadlineTimer: OpaquePointer?
    var isDeadlineTimerArmed = false
    var drainTimer: OpaquePointer?
    /// Jobs admitted in the current loop iteration, handed to the dispatcher by `handoffEvent`.
    var admittedJobs: [HandlerDispatcher.Job] = []
    /// Activated on the first admission of an iteration; being a plain active event of the same
    /// priority it runs after the I/O callbacks already queued in this iteration.
    var handoffEvent: OpaquePointer?
    var isHandoffScheduled = false
    var drain: DrainPhase?
    var drainWaiters: [AsyncSignal] = []
    /// Connections that were told `Connection: close` during the drain and have not closed yet.
    var closingConnections: Set<OpaquePointer> = []
    var statistics = ServerStatistics()
    /// `Unmanaged.passRetained(self)`, the context of timer and close callbacks; released in
    /// ``tearDown()``.
    private(set) var callbackContext: UnsafeMutableRawPointer?

    init(loop: LoopThread, configuration: HTTPServerConfiguration, logger: Logger, dispatcher: HandlerDispatcher, accepting: AcceptingFlag) {
        self.loop = loop
        self.accepting = accepting
        self.configuration = configuration
        self.logger = logger
        self.dispatcher = dispatcher
        maxPendingRequests = max(1, configuration.maxPendingRequests)
        maxBodySize = max(0, configuration.maxBodySize)
        replyDeadlineNanoseconds = configuration.replyDeadline.nanoseconds
        routers = configuration.listeners.map(\.router)
        loopHandlerBodyLimit = max(0, configuration.loopHandlerBodyLimit)
        table = RequestTable(capacity: min(maxPendingRequests, 1024))
    }

    /// Creates the timers and binds every listener. On the loop thread.
    /// - Returns: The bound port per listener name.
    /// - Throws: ``HTTPServerError``; whatever was created is released by ``tearDown()``.
    func setUp() throws(HTTPServerError) -> [String: Int] {
        loop.preconditionOnLoop()
        let context = Unmanaged.passRetained(self).toOpaque()
        callbackContext = context
        deadlineTimer = try Libevent.require(event_new(loop.base, -1, 0, serverDeadlineCallback, context), "event_new")
        drainTimer = try Libevent.require(event_new(loop.base, -1, 0, serverDrainCallback, context), "event_new")
        handoffEvent = try Libevent.require(event_new(loop.base, -1, 0, serverHandoffCallback, context), "event_new")
        admittedJobs.reserveCapacity(64)
        var ports: [String: Int] = [:]
        for (index, listener) in configuration.listeners.enumerated() {
            let bound = try ListenerContext.bind(listener, index: index, core: self)
            listeners.append(bound)
            ports[listener.name] = bound.port
        }
        accepting.set(true)
        return ports
    }

    /// Frees everything libevent-side: answers any request still pending (evhttp_free would free
    /// it under us), frees the evhttp objects (closing their connections), then the timers, and
    /// releases the callback contexts. On the loop thread, as its final job.
    func tearDown() {
        loop.preconditionOnLoop()
        accepting.set(false)
        answerAllPending(status: 503, detail: "The server is shutting down.")
        for listener in listeners {
            listener.free()
        }
        listeners.removeAll()
        if let deadlineTimer { event_free(deadlineTimer) }
        if let drainTimer { event_free(drainTimer) }
        if let handoffEvent { event_free(handoffEvent) }
        deadlineTimer = nil
        drainTimer = nil
        handoffEvent = nil
        admittedJobs.removeAll()
        closingConnections.removeAll()
        if let callbackContext {
            Unmanaged<ServerCore>.fromOpaque(callbackContext).release()
        }
        callbackContext = nil
    }
}

/// Counters kept on the loop, for logs and tests.
struct ServerStatistics: Sendable, Equatable {
    var admitted = 0
    var rejectedOverload = 0
    var rejectedTooLarge = 0
    var rejectedDraining = 0
    var deadlineReplies = 0
    var lateReplies = 0
    /// Handlers running now (see ``ServerCore/runningHandlers``).
    var runningHandlers = 0
}

/// An atomic "listeners are open" flag, written on the loop and read from any thread.
final class AcceptingFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}
