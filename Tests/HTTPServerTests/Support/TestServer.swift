import AsyncHTTPClient
@testable import HTTPServer
import Logging
import Testing

/// A logger that drops everything, so parallel tests do not flood the output.
let quietLogger = Logger(label: "http-server-tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// Runs `body` against a started server on 127.0.0.1 with ephemeral ports, then shuts it down.
func withTestServer(
    _ listeners: [(name: String, router: Router)],
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    _ body: (EventHTTPServer, [String: Int]) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration(listeners: listeners.map {
        .init(name: $0.name, host: "127.0.0.1", port: 0, router: $0.router)
    })
    // A generous deadline unless a test sets its own: a loaded CI machine must not turn echoes into 503s.
    configuration.replyDeadline = .seconds(30)
    configure(&configuration)
    let server = EventHTTPServer(configuration: configuration, logger: quietLogger)
    let ports = try await server.start()
    do {
        try await body(server, ports)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Runs `body` with an AsyncHTTPClient client on the shared event loop group, shut down after.
func withHTTPClient(_ body: (HTTPClient) async throws -> Void) async throws {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    do {
        try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

/// A gate a handler waits on until the test opens it; also reports when a handler arrived.
final class HandlerGate: Sendable {
    let entered = AsyncSignal()
    let opened = AsyncSignal()

    func pass() async {
        entered.signal()
        await opened.wait()
    }

    func open() { opened.signal() }
}
