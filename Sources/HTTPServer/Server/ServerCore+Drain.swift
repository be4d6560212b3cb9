import CLibevent
import Logging
import Synchronization

/// Where a graceful shutdown stands, on the loop.
enum DrainPhase {
    /// Listeners are closed; waiting for pending replies until the grace period ends.
    case draining
    /// The grace period ended and the rest got 503; waiting briefly for those writes.
    case flushing
    /// Done; every waiter has been signalled.
    case finished
}

extension ServerCore {
    /// After the grace period, how long the final 503s may take to be written.
    static let flushLimitNanoseconds: Int64 = 1_000_000_000

    /// Starts a graceful shutdown: closes the accept sockets (new connections are refused),
    /// answers new requests on open connections with 503 + `Connection: close`, and signals
    /// `done` once every pending request has been answered and written, or when the grace
    /// period and flush limit have passed. On the loop.
    func beginDrain(gracePeriod: Duration, done: AsyncSignal) {
        loop.preconditionOnLoop()
        guard drain == nil else {
            if case .finished = drain { done.signal() } else { drainWaiters.append(done) }
            return
        }
        drainWaiters.append(done)
        for listener in listeners {
            listener.closeAcceptSocket()
        }
        // After the sockets are closed, so that "not accepting" implies "connections refused".
        accepting.set(false)
        drain = .draining
        logger.info("HTTP server draining", metadata: ["mesh.http.pending": .stringConvertible(table.count)])
        if let drainTimer {
            var delay = timeval(nanoseconds: gracePeriod.nanoseconds)
            event_add(drainTimer, &delay)
        }
        checkDrained()
    }

    /// Ends the grace period now (e.g. the run task was cancelled). On the loop.
    func endGracePeriod() {
        loop.preconditionOnLoop()
        guard case .draining = drain else { return }
        if let drainTimer { event_del(drainTimer) }
        drainTimerFired()
    }

    /// Finishes the drain if nothing is pending or still being written. On the loop.
    func checkDrained() {
        guard table.count == 0, closingConnections.isEmpty else { return }
        switch drain {
        case .draining, .flushing:
            finishDrain()
        case .finished, nil:
            return
        }
    }

    func drainTimerFired() {
        loop.preconditionOnLoop()
        switch drain {
        case .draining:
            if table.count > 0 {
                logger.info("Grace period over; answering the remaining requests with 503", metadata: ["mesh.http.pending": .stringConvertible(table.count)])
            }
            answerAllPending(status: 503, detail: "The server is shutting down.")
            drain = .flushing
            if let drainTimer {
                var delay = timeval(nanoseconds: Self.flushLimitNanoseconds)
                event_add(drainTimer, &delay)
            }
            checkDrained()
        case .flushing:
            finishDrain()
        case .finished, nil:
            return
        }
    }

    private func finishDrain() {
        if let drainTimer { event_del(drainTimer) }
        drain = .finished
        let waiters = drainWaiters
        drainWaiters = []
        for waiter in waiters { waiter.signal() }
    }

    /// Remembers a connection that was told `Connection: close`, until evhttp closes it.
    func trackClosingConnection(of request: UnsafeMutablePointer<evhttp_request>) {
        guard let connection = evhttp_request_get_connection(request), let callbackContext else { return }
        if closingConnections.insert(connection).inserted {
            evhttp_connection_set_closecb(connection, serverConnectionClosedCallback, callbackContext)
        }
    }

    func connectionClosed(_ connection: OpaquePointer) {
        loop.preconditionOnLoop()
        closingConnections.remove(connection)
        checkDrained()
    }
}

let serverDrainCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    Unmanaged<ServerCore>.fromOpaque(context!).takeUnretainedValue().drainTimerFired()
}

private let serverConnectionClosedCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void = { connection, context in
    guard let connection, let context else { return }
    Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue().connectionClosed(connection)
}
