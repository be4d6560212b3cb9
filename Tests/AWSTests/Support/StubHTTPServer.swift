import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as the stub saw it.
struct StubRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the stub answers.
struct StubResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: [(String, String)]
    var body: [UInt8]
    var delay: TimeAmount?

    static func json(_ status: Int, _ body: String, headers: [(String, String)] = [], delay: TimeAmount? = nil) -> StubResponse {
        StubResponse(
            status: HTTPResponseStatus(statusCode: status), headers: [("Content-Type", "application/json")] + headers,
            body: Array(body.utf8), delay: delay
        )
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1:<ephemeral port> (NIO), standing in for the ECS container
/// credentials endpoint and for AWS in transport tests. Records every request.
final class StubHTTPServer: Sendable {
    private let channel: any Channel
    private let recorded: Mutex<[StubRequest]>
    let port: Int

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [StubRequest] { recorded.withLock { $0 } }

    private init(channel: any Channel) {
        self.channel = channel
        self.recorded = Mutex([])
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server answering every request with `respond`.
    static func start(_ respond: @escaping @Sendable (StubRequest) -> StubResponse) async throws -> StubHTTPServer {
        let box = RecorderBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler { request in
                        box.server?.recorded.withLock { $0.append(request) }
                        return respond(request)
                    })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = StubHTTPServer(channel: channel)
        box.server = server
        return server
    }

    /// Starts a server answering with `responses` in order, repeating the last one.
    static func sequence(_ responses: [StubResponse]) async throws -> StubHTTPServer {
        let index = Mutex(0)
        return try await start { _ in
            index.withLock { i in
                defer { i += 1 }
                return responses[min(i, responses.count - 1)]
            }
        }
    }

    func shutdown() async throws {
        try await channel.close()
    }
}

/// Lets the child-channel handler reach the server object created after bind.
private final class RecorderBox: Sendable {
    private let storage = Mutex<StubHTTPServer?>(nil)
    var server: StubHTTPServer? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let respond: @Sendable (StubRequest) -> StubResponse
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(respond: @escaping @Sendable (StubRequest) -> StubResponse) {
        self.respond = respond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += buffer.readableBytesView
        case .end:
            guard let head else { return }
            let response = respond(StubRequest(method: head.method, uri: head.uri, headers: head.headers, body: body))
            let keepAlive = head.isKeepAlive
            if let delay = response.delay {
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.write(response, keepAlive: keepAlive, context: context)
                }
            } else {
                write(response, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func write(_ response: StubResponse, keepAlive: Bool, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders(response.headers)
        headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.count)")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
