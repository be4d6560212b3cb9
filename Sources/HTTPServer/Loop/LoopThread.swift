import CLibevent
import Glibc
import Logging
import Synchronization

/// One OS thread running one libevent `event_base`, and the bridge other threads use to reach it.
///
/// Everything that touches the base (and the evhttp objects on it) runs on this thread. Other
/// threads call ``execute(_:)``, which appends to a mutex-guarded queue and activates a single
/// persistent user event only if no wakeup is already pending (NIO's `_pendingTaskPop`
/// coalescing); the loop then drains the whole queue in one callback. So a burst of N replies
/// costs one `event_active`, and work runs in submission order.
///
/// Safety (`@unchecked Sendable`): `base` and `wakeupEvent` are used off the loop only by
/// `event_active`, which `evthread_use_pthreads` makes thread-safe, and only under the queue
/// lock before the queue is closed, so never after the event is freed. `spare` and the
/// counters in ``LoopStatistics`` marked loop-only are touched only on the loop thread.
final class LoopThread: @unchecked Sendable {
    typealias Work = @Sendable () -> Void

    private struct Queue {
        var jobs: [Work] = []
        var wakeupPending = false
        var isClosed = false
        var wakeups = 0
    }

    private enum Phase {
        case created
        case running(pthread_t)
        case stopped
    }

    /// The `event_base`; use only on the loop thread (or before ``start()``).
    let base: OpaquePointer
    private var wakeupEvent: OpaquePointer?
    private let queue = Mutex(Queue())
    private let phase = Mutex(Phase.created)
    private let identity: LoopThreadIdentity
    private let threadName: String
    private let exited = AsyncSignal()
    /// Loop-only: the drained array, kept to reuse its capacity.
    private var spare: [Work] = []
    /// Loop-only: number of drain callbacks run.
    private var drains = 0

    /// Creates the base and its wakeup event; the thread starts in ``start()``.
    /// - Throws: ``HTTPServerError`` `.unsupportedLibevent` for a libevent outside 2.1.x, and
    ///   `.libeventFailure` if libevent cannot set up threading or allocate.
    init(name: String, logger: Logger) throws(HTTPServerError) {
        try Libevent.prepareProcess()
        base = try Libevent.require(event_base_new(), "event_base_new")
        identity = LoopThreadIdentity(logger: logger)
        threadName = String(decoding: name.utf8.prefix(15), as: UTF8.self)
        let context = Unmanaged.passUnretained(self).toOpaque()
        // Two priorities: the drain (work handed in from other threads, above all finished replies)
        // runs before the socket events active in the same iteration, so a wave of replies is not
        // held back behind a wave of new requests being read. Everything else keeps the default (1).
        guard event_base_priority_init(base, 2) == 0 else {
            event_base_free(base)
            throw HTTPServerError(.libeventFailure, "event_base_priority_init failed")
        }
        guard let event = event_new(base, -1, 0, loopThreadDrainCallback, context) else {
            event_base_free(base)
            throw HTTPServerError(.libeventFailure, "event_new returned NULL")
        }
        event_priority_set(event, 0)
        wakeupEvent = event
    }

    deinit {
        // Only reached without a thread (start() failed or never called); otherwise the thread
        // freed both on exit.
        if let wakeupEvent {
            event_free(wakeupEvent)
            event_base_free(base)
        }
    }

    /// Starts the loop thread. The thread keeps `self` alive until it exits.
    func start() throws(HTTPServerError) {
        try phase.withLock { (phase) throws(HTTPServerError) in
            guard case .created = phase else {
                throw HTTPServerError(.libeventFailure, "loop thread \(threadName) started twice")
            }
            let retained = Unmanaged.passRetained(self).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(&thread, nil, { argument in
                let loop = Unmanaged<LoopThread>.fromOpaque(argument!).takeRetainedValue()
                loop.runLoop()
                return nil
            }, retained)
            guard result == 0 else {
                Unmanaged<LoopThread>.fromOpaque(retained).release()
                throw HTTPServerError(.libeventFailure, "pthread_create failed", errno: result)
            }
            phase = .running(thread)
        }
    }

    /// Runs `work` on the loop thread, after all work submitted before it.
    ///
    /// Callable from any thread, including the loop itself (the work then runs on the next drain,
    /// not inline).
    /// - Returns: `false` if the loop is stopping or stopped; the work is then dropped.
    @discardableResult
    func execute(_ work: @escaping Work) -> Bool {
        queue.withLock { queue in
            guard !queue.isClosed else { return false }
            queue.jobs.append(work)
            if !queue.wakeupPending {
                queue.wakeupPending = true
                queue.wakeups += 1
                // Under the lock: stop() closes the queue under the same lock before the
                // event can be freed, so this never races with event_free.
                event_active(wakeupEvent, 0, 0)
            }
            return true
        }
    }

    /// Whether the caller is on this loop's thread. Cheap (a thread-local read).
    var isOnLoop: Bool {
        pthread_getspecific(Libevent.loopThreadKey) == Unmanaged.passUnretained(identity).toOpaque()
    }

    /// Traps unless called on the loop thread; guards every evhttp/evbuffer call.
    func preconditionOnLoop(file: StaticString = #fileID, line: UInt = #line) {
        precondition(isOnLoop, "libevent object used off its loop thread", file: file, line: line)
    }

    /// Closes the queue, runs `final` on the loop after all earlier work, stops the loop, and
    /// waits for the thread to exit (it frees the wakeup event and the base on its way out).
    ///
    /// After this starts, ``execute(_:)`` returns `false`. Calling it again just waits.
    func stop(final: @escaping Work) async {
        guard close(final: final) else { return }
        await exited.wait()
        join()
    }

    /// Closes the queue with `final` as its last job. Returns `false` if the thread never ran.
    private func close(final: @escaping Work) -> Bool {
        let isRunning = phase.withLock { phase -> Bool in
            if case .running = phase { return true }
            return false
        }
        guard isRunning else { return false }
        queue.withLock { queue in
            guard !queue.isClosed else { return }
            queue.isClosed = true
            queue.jobs.append {
                final()
                event_base_loopbreak(self.base)
            }
            if !queue.wakeupPending {
                queue.wakeupPending = true
                queue.wakeups += 1
                event_active(wakeupEvent, 0, 0)
            }
        }
        return true
    }

    private func join() {
        let thread = phase.withLock { phase -> pthread_t? in
            guard case .running(let thread) = phase else { return nil }
            phase = .stopped
            return thread
        }
        if let thread { pthread_join(thread, nil) }
    }

    /// Counters for tests: wakeups raised, and drain callbacks run (read them off the loop only
    /// after the loop is idle or stopped).
    var statistics: LoopStatistics {
        LoopStatistics(wakeups: queue.withLock { $0.wakeups }, drains: drains)
    }

    // MARK: - On the loop thread

    private func runLoop() {
        clibevent_set_current_thread_name(threadName)
        pthread_setspecific(Libevent.loopThreadKey, Unmanaged.passUnretained(identity).toOpaque())
        event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY)
        // Close the queue before anything is freed: ``execute(_:)`` touches the wakeup event only
        // under this lock and only while the queue is open, so from here on no other thread can
        // reach the event or the base, even if the loop returned early (an error, or a break that
        // was not ours). Jobs still queued are dropped; after a normal stop there are none, since
        // the final job was the last one accepted.
        let event = queue.withLock { queue -> OpaquePointer? in
            queue.isClosed = true
            queue.jobs.removeAll()
            defer { wakeupEvent = nil }
            return wakeupEvent
        }
        event_free(event)
        event_base_free(base)
        pthread_setspecific(Libevent.loopThreadKey, nil)
        exited.signal()
    }

    fileprivate func drain() {
        var batch = spare
        queue.withLock { queue in
            swap(&batch, &queue.jobs)
            queue.wakeupPending = false
        }
        drains += 1
        for job in batch { job() }
        batch.removeAll(keepingCapacity: true)
        spare = batch
    }
}

/// Bridge counters (see ``LoopThread/statistics``).
struct LoopStatistics: Equatable, Sendable {
    var wakeups: Int
    var drains: Int
}

private let loopThreadDrainCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    Unmanaged<LoopThread>.fromOpaque(context!).takeUnretainedValue().drain()
}
