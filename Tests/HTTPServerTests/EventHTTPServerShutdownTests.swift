import AsyncHTTPClient
import Foundation
@testable import HTTPServer
import MeshTestSupport
import NIOHTTP1
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing

/// Live tier: graceful shutdown through ServiceLifecycle, cancellation, and direct shutdown().
struct EventHTTPServerShutdownTests {
    private static func router(gate: HandlerGate) -> Router {
        var router = Router()
        router.add(.get, "/slow") { _ in
            await gate.pass()
            return HTTPResponse(status: 200, body: Array("finished".utf8))
        }
        router.add(.get, "/ping") { _ in HTTPResponse(status: 200, body: Array("pong".utf8)) }
        return router
    }

    private static func server(_ router: Router, grace: Duration = .seconds(10)) -> EventHTTPServer {
        var configuration = HTTPServerConfiguration(listeners: [.init(name: "public", host: "127.0.0.1", port: 0, router: router)])
        configuration.shutdownGracePeriod = grace
        // Generous, so a loaded CI machine does not turn the in-flight reply into a deadline 503.
        configuration.replyDeadline = .seconds(30)
        return EventHTTPServer(configuration: configuration, logger: quietLogger)
    }

    /// On graceful shutdown an in-flight request completes with its real reply, new connections
    /// are refused, and run() returns.
    @Test func gracefulShutdown_whenRequestInFlight_completesItRefusesNewConnectionsAndReturns() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        let server = Self.server(Self.router(gate: gate))
        let port = try #require(try await server.start()["public"])
        try await withHTTPClient { client in
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Given: the server runs and a slow request is inside its handler
                    group.addTask { try await server.run() }
                    let slow = Task { try await client.send(.GET, port: port, path: "/slow") }
                    await gate.entered.wait()
                    // When
                    trigger.triggerGracefulShutdown()
                    #expect(await eventually { !server.isAcceptingRequests })
                    let refused = RawHTTPConnection.connectError(port: port)
                    gate.open()
                    let response = try await slow.value
                    try await group.next()
                    // Then
                    #expect(refused == ECONNREFUSED)
                    #expect(response.status == 200)
                    #expect(response.text == "finished")
                    #expect(response.headers.first(name: "Connection") == "close")
                }
            }
        }
    }

    /// During the drain, a new request on an open keep-alive connection gets 503 + Connection: close.
    @Test func shutdown_whenNewRequestArrivesOnOpenConnection_answers503AndClose() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        let server = Self.server(Self.router(gate: gate))
        let port = try #require(try await server.start()["public"])
        // Given: an idle keep-alive connection, and a slow request that keeps the drain going
        let idle = try RawHTTPConnection(port: port)
        try await idle.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        let first = try await idle.readResponse()
        #expect(first.hasSuffix("pong"))
        let busy = try RawHTTPConnection(port: port)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        await gate.entered.wait()
        let shutdown = Task { await server.shutdown() }
        #expect(await eventually { !server.isAcceptingRequests })
        // When
        try await idle.send("GET /ping HTTP/1.1\r\nHost: t\r\n\r\n")
        let (rejected, closed) = try await idle.readUntilClosed()
        gate.open()
        let finished = try await busy.readResponse()
        await shutdown.value
        // Then
        #expect(rejected.hasPrefix("HTTP/1.1 503"))
        #expect(rejected.contains("Connection: close\r\n"))
        #expect(rejected.contains("Content-Type: application/problem+json\r\n"))
        #expect(closed)
        #expect(finished.hasSuffix("finished"))
    }

    /// A handler that outlives the grace period: its request gets 503 and shutdown still ends.
    @Test func shutdown_whenHandlerOutlivesGracePeriod_answers503AndStops() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        let server = Self.server(Self.router(gate: gate), grace: .milliseconds(200))
        let port = try #require(try await server.start()["public"])
        // Given
        let busy = try RawHTTPConnection(port: port)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        await gate.entered.wait()
        // When
        await server.shutdown()
        let response = try await busy.readUntilClosed()
        gate.open()
        // Then
        #expect(response.text.hasPrefix("HTTP/1.1 503"))
        #expect(response.closed)
        #expect(!server.isAcceptingRequests)
        #expect(RawHTTPConnection.connectError(port: port) == ECONNREFUSED)
    }

    /// Cancelling run() cuts the grace period short: pending requests get 503 and run() returns.
    @Test func run_whenCancelled_answersPendingWith503AndReturns() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        let server = Self.server(Self.router(gate: gate), grace: .seconds(60))
        let port = try #require(try await server.start()["public"])
        let running = Task { try await server.run() }
        let busy = try RawHTTPConnection(port: port)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        await gate.entered.wait()
        // When
        running.cancel()
        try await running.value
        let response = try await busy.readUntilClosed()
        gate.open()
        // Then
        #expect(response.text.hasPrefix("HTTP/1.1 503"))
        #expect(!server.isAcceptingRequests)
    }

    /// shutdown() before start() and repeated shutdown() calls return at once.
    @Test func shutdown_whenNeverStartedOrRepeated_returns() async throws {
        // Given
        let server = Self.server(Router())
        // When
        await server.shutdown()
        await server.shutdown()
        // Then
        #expect(!server.isAcceptingRequests)
        await #expect(throws: HTTPServerError.self) { try await server.start() }
    }
}
