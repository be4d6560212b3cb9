import CLibevent
import Glibc
import Logging

/// One bound listener: its evhttp object, accept socket and callback context. Loop-confined.
///
/// Each listener gets its own `evhttp` (all on the one base) so that the generic callback knows
/// which router a request belongs to, and so limits could differ per listener later.
final class ListenerContext {
    unowned let core: ServerCore
    let index: Int
    let name: String
    let port: Int
    private(set) var http: OpaquePointer?
    private(set) var boundSocket: OpaquePointer?
    /// `Unmanaged.passRetained(self)`, the gencb argument; released in ``free()``.
    private var context: UnsafeMutableRawPointer?

    private init(core: ServerCore, index: Int, name: String, port: Int, http: OpaquePointer, boundSocket: OpaquePointer) {
        self.core = core
        self.index = index
        self.name = name
        self.port = port
        self.http = http
        self.boundSocket = boundSocket
    }

    /// evhttp methods we let through to Swift: all it parses (so the router answers 405 with
    /// `Allow`) plus its "unknown" bit (1 << 15, `EVHTTP_REQ_UNKNOWN_` in http-internal.h), so
    /// that an unknown method gets our 501 problem rather than evhttp's HTML page.
    static let allowedMethods: UInt16 = 0x01FF | 0x8000

    /// Configures a new evhttp, binds `listener` with `evconnlistener_new_bind` and attaches it.
    static func bind(_ listener: HTTPServerConfiguration.Listener, index: Int, core: ServerCore) throws(HTTPServerError) -> ListenerContext {
        let configuration = core.configuration
        let http = try Libevent.require(evhttp_new(core.loop.base), "evhttp_new")
        evhttp_set_max_headers_size(http, configuration.maxHeadersSize)
        evhttp_set_max_body_size(http, configuration.bodyReadCap)
        var timeout = timeval(nanoseconds: configuration.connectionTimeout.nanoseconds)
        evhttp_set_timeout_tv(http, &timeout)
        evhttp_set_default_content_type(http, nil)
        evhttp_set_allowed_methods(http, allowedMethods)
        let listenerHandle: OpaquePointer
        do {
            // Read (and discard) the rest of an over-cap body before evhttp's 413, so the client
            // sees the 413 instead of a reset.
            try Libevent.check(evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE), "evhttp_set_flags")
            listenerHandle = try openListener(host: listener.host, port: listener.port, backlog: configuration.listenBacklog, core: core)
        } catch {
            evhttp_free(http)
            throw error
        }
        guard let bound = evhttp_bind_listener(http, listenerHandle) else {
            evconnlistener_free(listenerHandle)
            evhttp_free(http)
            throw HTTPServerError(.libeventFailure, "evhttp_bind_listener returned NULL for \(listener.name)")
        }
        let port = boundPort(evconnlistener_get_fd(listenerHandle))
        let context = ListenerContext(core: core, index: index, name: listener.name, port: port, http: http, boundSocket: bound)
        let argument = Unmanaged.passRetained(context).toOpaque()
        context.context = argument
        evhttp_set_gencb(http, listenerRequestCallback, argument)
        core.logger.info(
            "HTTP listener bound",
            metadata: ["mesh.listener": .string(listener.name), "net.host": .string(listener.host), "net.port": .stringConvertible(port)]
        )
        return context
    }

    /// Stops accepting: the listening socket is closed, so new connections are refused.
    func closeAcceptSocket() {
        if let http, let boundSocket {
            evhttp_del_accept_socket(http, boundSocket)
        }
        boundSocket = nil
    }

    /// Frees the evhttp (and with it every connection) and releases the callback context.
    func free() {
        if let http { evhttp_free(http) }
        http = nil
        boundSocket = nil
        if let context { Unmanaged<ListenerContext>.fromOpaque(context).release() }
        context = nil
    }

    private static func openListener(host: String, port: Int, backlog: Int, core: ServerCore) throws(HTTPServerError) -> OpaquePointer {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var resolved: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &resolved)
        guard status == 0, let address = resolved else {
            throw HTTPServerError(.bindFailed, "cannot resolve \(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(resolved) }
        if !isLoopback(address.pointee.ai_addr) {
            core.logger.warning(
                "Binding a non-loopback address; make sure this listener is meant to be reachable",
                metadata: ["net.host": .string(host), "net.port": .stringConvertible(port)]
            )
        }
        let flags = LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC
        guard let handle = evconnlistener_new_bind(core.loop.base, nil, nil, flags, Int32(clamping: backlog), address.pointee.ai_addr, Int32(address.pointee.ai_addrlen)) else {
            throw HTTPServerError(.bindFailed, "bind failed on \(host):\(port)", errno: errno)
        }
        // Linux copies TCP_NODELAY from the listening socket to accepted ones, so every
        // connection gets it without a per-accept hook (evhttp owns the accept callback).
        var on: Int32 = 1
        _ = setsockopt(evconnlistener_get_fd(handle), Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        return handle
    }

    private static func isLoopback(_ address: UnsafeMutablePointer<sockaddr>?) -> Bool {
        guard let address else { return false }
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                    bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                }
            }
        default:
            return false
        }
    }

    private static func boundPort(_ fd: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return 0 }
        return withUnsafePointer(to: &storage) { pointer in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            case AF_INET6:
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            default:
                0
            }
        }
    }
}

/// evhttp's generic callback: one complete request has been read on some listener.
private let listenerRequestCallback: @convention(c) (UnsafeMutablePointer<evhttp_request>?, UnsafeMutableRawPointer?) -> Void = { request, argument in
    guard let request, let argument else { return }
    let listener = Unmanaged<ListenerContext>.fromOpaque(argument).takeUnretainedValue()
    listener.core.admit(request, listener: listener)
}
