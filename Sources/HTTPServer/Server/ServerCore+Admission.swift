import ByteCoding
import CLibevent
import Glibc
import Logging

extension ServerCore {
    /// A complete request arrived: admit it and hand it to a handler, or answer at once.
    ///
    /// Runs on the loop for every request, so it does only cheap work: admission checks, one
    /// copy of the request into an ``HTTPRequest`` (the body is copied out of evhttp's buffer
    /// once), a table insert and a handoff. No Foundation, no logging unless debug is on.
    func admit(_ request: UnsafeMutablePointer<evhttp_request>, listener: ListenerContext) {
        loop.preconditionOnLoop()
        // 1. What the request is: its method, headers and ID.
        let method = HTTPMethod(evhttpCommand: evhttp_request_get_command(request))
        var clientRequestID: String?
        let headers = Self.copyHeaders(evhttp_request_get_input_headers(request), requestID: &clientRequestID)
        let requestID = clientRequestID ?? requestIDs.next()
        let input = evhttp_request_get_input_buffer(request)
        let bodyLength = evbuffer_get_length(input)

        // 2. The cheap rejections, answered at once.
        guard let method else {
            let rejection = drain != nil ? rejectionWhileDraining()
                : HTTPResponse.problem(status: 501, detail: "The request method is not supported.")
            respondNow(request, rejection, requestID: requestID, isHead: false)
            return
        }
        if let rejection = rejection(bodyLength: bodyLength) {
            respondNow(request, rejection, requestID: requestID, isHead: method == .head)
            return
        }

        // 3. One copy into an `HTTPRequest`, and the handoff to a handler.
        let body = bodyLength == 0 ? [] : [UInt8](unsafeUninitializedCapacity: bodyLength) { buffer, count in
            count = max(0, evbuffer_copyout(input, buffer.baseAddress, bodyLength))
        }
        let (path, query) = Self.pathAndQuery(evhttp_request_get_evhttp_uri(request))
        let copied = HTTPRequest(
            method: method, path: path, query: query, headers: headers, body: body,
            requestID: requestID,
            remoteAddress: Self.remoteAddress(evhttp_request_get_connection(request)),
            listenerName: listener.name
        )
        handOff(copied, for: request, listener: listener.index)
    }

    /// The answer for a request that must not reach a handler (shutting down, too many handlers
    /// running, body too large), counted in ``statistics``; `nil` to admit it.
    private func rejection(bodyLength: Int) -> HTTPResponse? {
        if drain != nil {
            return rejectionWhileDraining()
        }
        if runningHandlers >= maxPendingRequests {
            statistics.rejectedOverload += 1
            return .problem(
                status: 503, detail: "Too many requests are in progress; retry later.",
                headers: ["Retry-After": String(configuration.retryAfterSeconds)]
            )
        }
        if bodyLength > maxBodySize {
            statistics.rejectedTooLarge += 1
            return .problem(status: 413, detail: "The request body exceeds \(maxBodySize) bytes.")
        }
        return nil
    }

    private func rejectionWhileDraining() -> HTTPResponse {
        statistics.rejectedDraining += 1
        return .problem(
            status: 503, detail: "The server is shutting down.",
            headers: ["Retry-After": String(configuration.retryAfterSeconds)]
        )
    }

    /// Records the admitted request (its reply deadline, the running handler) and runs its loop
    /// handler here, or queues it for the dispatcher: at once when a group is full, else when this
    /// loop iteration's I/O is done.
    private func handOff(_ copied: HTTPRequest, for request: UnsafeMutablePointer<evhttp_request>, listener: Int) {
        let token = table.insert(
            request, requestID: copied.requestID, isHead: copied.method == .head,
            deadline: MonotonicTime.nowNanoseconds() &+ replyDeadlineNanoseconds
        )
        statistics.admitted += 1
        runningHandlers += 1
        armDeadlineTimerIfNeeded()
        if copied.body.count <= loopHandlerBodyLimit, let loopHandler = routers[listener].loopHandler(for: copied) {
            loopHandler(copied, responder(for: token, request: copied))
            return
        }
        admittedJobs.append(HandlerDispatcher.Job(token: token, listener: listener, request: copied))
        if admittedJobs.count >= Self.eagerHandoffCount {
            handOffAdmitted()
        } else if !isHandoffScheduled, let handoffEvent {
            isHandoffScheduled = true
            event_active(handoffEvent, 0, 0)
        }
    }

    /// Admitted requests are handed to the dispatcher in groups of this many, without waiting for
    /// the loop iteration to end. Under load one iteration reads a whole wave of requests, and
    /// handing them over only at its end made the first of them wait for the last (figures in
    /// `docs/benchmarks-history.md`). Fewer go when the iteration ends.
    static var eagerHandoffCount: Int { 8 }

    /// Hands the requests admitted since the last handoff to the dispatcher in one batch.
    func handOffAdmitted() {
        loop.preconditionOnLoop()
        isHandoffScheduled = false
        dispatcher.submit(&admittedJobs)
        admittedJobs.reserveCapacity(64)
    }

    /// Copies evhttp's header list, picking out a sane `X-Request-Id` on the way.
    private static func copyHeaders(_ list: UnsafeMutablePointer<evkeyvalq>?, requestID: inout String?) -> HTTPHeaders {
        var count = 0
        var counter = list?.pointee.tqh_first
        while let current = counter {
            count += 1
            counter = current.pointee.next.tqe_next
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(count)
        var field = list?.pointee.tqh_first
        while let current = field {
            if let key = current.pointee.key, let value = current.pointee.value {
                let valueString = String(cString: value)
                if requestID == nil, strcasecmp(key, "X-Request-Id") == 0, isSaneRequestID(value) {
                    requestID = valueString
                }
                headers.add(name: String(cString: key), value: valueString)
            }
            field = current.pointee.next.tqe_next
        }
        return headers
    }

    private static func isSaneRequestID(_ value: UnsafePointer<CChar>) -> Bool {
        let length = strnlen(value, RequestIDGenerator.maximumLength + 1)
        return value.withMemoryRebound(to: UInt8.self, capacity: length) {
            RequestIDGenerator.isSane(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// The decoded path (`/` if empty) and the raw query, from evhttp's parsed URI.
    private static func pathAndQuery(_ uri: OpaquePointer?) -> (String, String?) {
        guard let uri else { return ("/", nil) }
        var path = "/"
        if let rawPath = evhttp_uri_get_path(uri), rawPath.pointee != 0 {
            let length = strlen(rawPath)
            path = rawPath.withMemoryRebound(to: UInt8.self, capacity: length) {
                PercentEncoding.decode(UnsafeBufferPointer(start: $0, count: length))
            }
        }
        let query = evhttp_uri_get_query(uri).map { String(cString: $0) }
        return (path, query)
    }

    /// `host:port`, or `[host]:port` for IPv6.
    private static func remoteAddress(_ connection: OpaquePointer?) -> String {
        guard let connection else { return "" }
        var host: UnsafeMutablePointer<CChar>?
        var port: UInt16 = 0
        evhttp_connection_get_peer(connection, &host, &port)
        guard let host else { return "" }
        let hostLength = strlen(host)
        let isIPv6 = memchr(host, 0x3A, hostLength) != nil
        // Written byte by byte so that "127.0.0.1:54321" (15 bytes) stays a small string.
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
        var digitCount = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            var remaining = port
            repeat {
                buffer[4 - digitCount] = UInt8(48 + remaining % 10)
                remaining /= 10
                digitCount += 1
            } while remaining > 0
        }
        let total = hostLength + digitCount + (isIPv6 ? 3 : 1)
        return String(unsafeUninitializedCapacity: total) { output in
            var position = 0
            if isIPv6 { output[position] = UInt8(ascii: "["); position += 1 }
            host.withMemoryRebound(to: UInt8.self, capacity: hostLength) { bytes in
                for index in 0..<hostLength { output[position + index] = bytes[index] }
            }
            position += hostLength
            if isIPv6 { output[position] = UInt8(ascii: "]"); position += 1 }
            output[position] = UInt8(ascii: ":")
            position += 1
            withUnsafeBytes(of: digits) { buffer in
                for index in (5 - digitCount)..<5 {
                    output[position] = buffer[index]
                    position += 1
                }
            }
            return position
        }
    }
}

let serverHandoffCallback: @convention(c) (Int32, Int16, UnsafeMutableRawPointer?) -> Void = { _, _, context in
    Unmanaged<ServerCore>.fromOpaque(context!).takeUnretainedValue().handOffAdmitted()
}

extension HTTPMethod {
    /// evhttp's parsed method, or `nil` for methods it does not know.
    init?(evhttpCommand command: evhttp_cmd_type) {
        switch command {
        case EVHTTP_REQ_GET: self = .get
        case EVHTTP_REQ_POST: self = .post
        case EVHTTP_REQ_HEAD: self = .head
        case EVHTTP_REQ_PUT: self = .put
        case EVHTTP_REQ_DELETE: self = .delete
        case EVHTTP_REQ_OPTIONS: self = .options
        case EVHTTP_REQ_TRACE: self = .trace
        case EVHTTP_REQ_CONNECT: self = .connect
        case EVHTTP_REQ_PATCH: self = .patch
        default: return nil
        }
    }
}
