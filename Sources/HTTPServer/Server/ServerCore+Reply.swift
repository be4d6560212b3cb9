import CLibevent
import Logging

extension ServerCore {
    /// Sends a handler's response for `token`. Call from any thread, exactly once per request.
    ///
    /// The response is prepared here (off the loop) and delivered by ``LoopThread/execute(_:)``.
    /// If the request was already answered (reply deadline, shutdown) the reply is dropped.
    func reply(_ token: RequestToken, isHead: Bool, _ response: HTTPResponse) {
        let prepared = PreparedResponse(response, isHead: isHead)
        loop.execute { [self] in
            deliver(token, prepared)
        }
    }

    /// The responder a loop handler answers `request` through: ``reply(_:isHead:_:)`` for `token`.
    func responder(for token: RequestToken, request: HTTPRequest) -> HTTPResponder {
        let isHead = request.method == .head
        return HTTPResponder { [self] response in
            reply(token, isHead: isHead, response)
            logHandled(request, status: response.status)
        }
    }

    /// The debug line for every handled request, whichever way its handler ran.
    func logHandled(_ request: HTTPRequest, status: Int) {
        logger.debug("HTTP request handled", metadata: [
            "mesh.request.id": .string(request.requestID),
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.path),
            "http.status": .stringConvertible(status),
            "mesh.listener": .string(request.listenerName),
        ])
    }

    private func deliver(_ token: RequestToken, _ response: PreparedResponse) {
        loop.preconditionOnLoop()
        runningHandlers -= 1
        guard let entry = table.remove(token), let request = entry.request else {
            statistics.lateReplies += 1
            logger.debug("Dropped a reply that came after the request was answered")
            return
        }
        send(request, response, requestID: entry.requestID, isHead: entry.isHead)
        if drain != nil { checkDrained() }
    }

    /// Answers a request that never reached a handler (rejections). On the loop.
    func respondNow(_ request: UnsafeMutablePointer<evhttp_request>, _ response: HTTPResponse, requestID: String, isHead: Bool) {
        send(request, PreparedResponse(response, isHead: isHead), requestID: requestID, isHead: isHead)
    }

    /// Copies the response into evhttp and sends it; evhttp frees the request once written (or
    /// at once if its connection is gone). On the loop.
    private func send(_ request: UnsafeMutablePointer<evhttp_request>, _ response: PreparedResponse, requestID: String, isHead: Bool) {
        loop.preconditionOnLoop()
        let output = evhttp_request_get_output_headers(request)
        for field in response.headers {
            evhttp_add_header(output, field.name, field.value)
        }
        evhttp_add_header(output, "X-Request-Id", requestID)
        if response.allowsContentLength {
            Self.withDecimal(response.contentLength) { evhttp_add_header(output, "Content-Length", $0) }
        }
        if drain != nil {
            evhttp_add_header(output, "Connection", "close")
            trackClosingConnection(of: request)
        }
        if !isHead, !response.body.isEmpty {
            response.body.withUnsafeBytes { bytes in
                _ = evbuffer_add(evhttp_request_get_output_buffer(request), bytes.baseAddress, bytes.count)
            }
        }
        evhttp_send_reply(request, response.status, nil, nil)
    }

    /// Formats a non-negative integer as a C string on the stack.
    private static func withDecimal(_ value: Int, _ body: (UnsafePointer<CChar>) -> Void) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 24) { buffer in
            var position = 23
            buffer[position] = 0
            var remaining = max(0, value)
            repeat {
                position -= 1
                buffer[position] = CChar(48 + remaining % 10)
                remaining /= 10
            } while remaining > 0
            body(UnsafePointer(buffer.baseAddress! + position))
        }
    }

    // MARK: - Reply deadline

    /// Arms the single deadline timer for the oldest pending request, if it is not armed.
    func armDeadlineTimerIfNeeded() {
        guard !isDeadlineTimerArmed, let deadlineTimer, let oldest = table.oldest else { return }
        var delay = timeval(nanoseconds: oldest.deadline &- MonotonicTime.nowNanoseconds())
        event_add(deadlineTimer, &delay)
        isDeadlineTimerArmed = true
    }

    /// Answers 503 to every request whose handler missed the reply deadline, then re-arms.
    func expireDeadlines() {
        loop.preconditionOnLoop()
        isDeadlineTimerArmed = false
        let now = MonotonicTime.nowNanoseconds()
        while let oldest = table.oldest, oldest.deadline <= now {
            guard let entry = table.remove(oldest.token), let request = entry.request else { continue }
            statistics.deadlineReplies += 1
            logger.debug("A handler missed the reply deadline", metadata: ["mesh.request.id": .string(entry.requestID)])
            send(request, PreparedResponse(.problem(
                status: 503, detail: "The request was not processed in time; retry later.",
                headers: ["Retry-After": String(configuration.retryAfterSeconds)]
            ), isHead: entry.isHead), requestID: entry.requestID, isHead: entry.isHead)
        }
        armDeadlineTimerIfNeeded()
        if drain != nil { checkDrained() }
    }

    /// Answers every pending request with a problem (shutdown). On the loop.
    func answerAllPending(status: Int, detail: String) {
        while let oldest = table.oldest {
            guard let entry = table.remove(oldest.token), let request = entry.request else { continue }
            send(request, PreparedResponse(.problem(
                status: status, detail: detail,
                headers: ["Retry-After": String(configuration.retryAfterSeconds)]
            ), isHead: entry.isHead), requestID: entry.requestID, isHead: entry.isHead)
        }
    }
}

let serverDeadlineCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    Unmanaged<ServerCore>.fromOpaque(context!).takeUnretainedValue().expireDeadlines()
}
