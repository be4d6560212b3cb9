import Logging

extension EventHTTPServer {
    /// Creates the loop thread, binds the listeners on it, and starts the dispatcher task.
    ///
    /// Suspends (never blocks its thread) while the loop thread binds.
    func launch() async throws(HTTPServerError) -> Running {
        let loop = try LoopThread(name: "http-loop", logger: logger)
        let dispatcher = HandlerDispatcher()
        let core = ServerCore(loop: loop, configuration: configuration, logger: logger, dispatcher: dispatcher, accepting: accepting)
        try loop.start()
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[String: Int], HTTPServerError>?, Never>) in
            let submitted = loop.execute {
                continuation.resume(returning: Result { () throws(HTTPServerError) in try core.setUp() })
            }
            if !submitted { continuation.resume(returning: nil) }
        }
        let ports: [String: Int]
        switch outcome {
        case .success(let bound)?:
            ports = bound
        case .failure(let error)?:
            await loop.stop(final: { core.tearDown() })
            throw error
        case nil:
            await loop.stop(final: { core.tearDown() })
            throw HTTPServerError(.libeventFailure, "the loop thread did not run the listener setup")
        }
        let finished = AsyncSignal()
        let task = Task {
            await Self.dispatch(dispatcher, core: core)
            finished.signal()
        }
        logger.info("HTTP server started", metadata: ["mesh.http.ports": .string(ports.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))])
        return Running(loop: loop, core: core, dispatcher: dispatcher, dispatcherTask: task, dispatcherFinished: finished, ports: ports)
    }

    /// The largest body whose handler runs inline on the dispatching thread (see ``dispatch``):
    /// GETs, single heartbeats and other small requests.
    static var inlineBodyLimit: Int { 1024 }

    /// Takes admitted requests in batches and runs each handler in its own child task; the
    /// response goes back to the loop through ``ServerCore/reply(_:isHead:_:)``.
    private static func dispatch(_ dispatcher: HandlerDispatcher, core: ServerCore) async {
        let routers = core.routers
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                while let jobs = await dispatcher.next() {
                    for job in jobs {
                        let handle: @Sendable () async -> Void = {
                            let response = await routers[job.listener].handle(job.request)
                            core.reply(job.token, isHead: job.request.method == .head, response)
                            core.logHandled(job.request, status: response.status)
                        }
                        // An immediate child runs on this thread until its first suspension: a
                        // handler that answers without suspending costs no extra enqueue or
                        // thread wakeup. But everything it does before that suspension delays
                        // the requests behind it in this batch, and that work grows with the
                        // body (an event is decoded and validated before it is journaled). So
                        // only requests with small bodies run inline; the others are enqueued,
                        // and the pool's threads take them in parallel (docs/benchmarks-history.md).
                        if job.request.body.count <= Self.inlineBodyLimit, #available(macOS 26.0, *) {
                            group.addImmediateTask(operation: handle)
                        } else {
                            group.addTask(operation: handle)
                        }
                    }
                }
            }
        } onCancel: {
            dispatcher.finish()
        }
    }
}

extension HTTPServerConfiguration {
    /// Fails fast, naming the setting, before anything is bound.
    func validate() throws(HTTPServerError) {
        guard !listeners.isEmpty else {
            throw HTTPServerError(.invalidConfiguration, "no listeners configured")
        }
        var names: Set<String> = []
        for listener in listeners {
            guard names.insert(listener.name).inserted else {
                throw HTTPServerError(.invalidConfiguration, "duplicate listener name \(listener.name)")
            }
            guard (0...65535).contains(listener.port) else {
                throw HTTPServerError(.invalidConfiguration, "listener \(listener.name): port \(listener.port) is out of range")
            }
        }
        guard maxBodySize >= 0 else { throw HTTPServerError(.invalidConfiguration, "maxBodySize must not be negative") }
        guard maxHeadersSize > 0 else { throw HTTPServerError(.invalidConfiguration, "maxHeadersSize must be positive") }
        guard maxPendingRequests > 0 else { throw HTTPServerError(.invalidConfiguration, "maxPendingRequests must be positive") }
        guard connectionTimeout > .zero else { throw HTTPServerError(.invalidConfiguration, "connectionTimeout must be positive") }
        guard replyDeadline > .zero else { throw HTTPServerError(.invalidConfiguration, "replyDeadline must be positive") }
        guard shutdownGracePeriod >= .zero else { throw HTTPServerError(.invalidConfiguration, "shutdownGracePeriod must not be negative") }
    }
}
