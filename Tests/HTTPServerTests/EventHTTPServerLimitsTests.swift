import AsyncHTTPClient
import Foundation
@testable import HTTPServer
import MeshTestSupport
import NIOHTTP1
import Testing

/// Live tier: limits, deadlines and misbehaving clients.
struct EventHTTPServerLimitsTests {
    private static func router(gate: HandlerGate? = nil) -> Router {
        var router = Router()
        router.add(.post, "/upload") { request in
            HTTPResponse(status: 200, body: Array(String(request.body.count).utf8))
        }
        router.add(.get, "/ping") { _ in HTTPResponse(status: 200, body: Array("pong".utf8)) }
        router.add(.get, "/slow") { _ in
            await gate?.pass()
            return HTTPResponse(status: 200, body: Array("late".utf8))
        }
        return router
    }

    /// A 2 MB body (over the 1 MiB limit, under evhttp's cap) gets our 413 problem; the server
    /// keeps serving.
    @Test func body_whenOverMaxBodySize_gets413ProblemAndServerStillAnswers() async throws {
        try await withTestServer([("public", Self.router())]) { server, ports in
            try await withHTTPClient { client in
                // Given
                let body = [UInt8](repeating: 0x61, count: 2_000_000)
                // When
                let tooLarge = try await client.send(.POST, port: ports["public"]!, path: "/upload", body: body)
                let after = try await client.send(.GET, port: ports["public"]!, path: "/ping")
                let justRight = try await client.send(.POST, port: ports["public"]!, path: "/upload", body: [UInt8](repeating: 0x62, count: 1 << 20))
                // Then
                #expect(tooLarge.status == 413)
                #expect(tooLarge.headers.first(name: "Content-Type") == "application/problem+json")
                let document = try #require(JSONSerialization.jsonObject(with: Data(tooLarge.body)) as? [String: Any])
                #expect(document["status"] as? Int == 413)
                #expect(after.status == 200)
                #expect(after.text == "pong")
                #expect(justRight.text == String(1 << 20))
                #expect(await server.statistics()?.rejectedTooLarge == 1)
            }
        }
    }

    /// A body over evhttp's own cap (4 x maxBodySize) gets evhttp's 413 and a closed connection.
    @Test func body_whenOverReadCap_getsEvhttp413AndConnectionClose() async throws {
        try await withTestServer([("public", Self.router())], configure: { $0.maxBodySize = 1024 }) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            let body = String(repeating: "x", count: 8192)
            // When
            try await connection.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let (text, closed) = try await connection.readUntilClosed()
            // Then
            #expect(text.hasPrefix("HTTP/1.1 413"))
            #expect(closed)
        }
    }

    /// A handler slower than the reply deadline: the client gets a 503 problem, the late reply
    /// is dropped.
    @Test func deadline_whenHandlerIsTooSlow_answers503AndDropsLateReply() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        // One second, not less: the follow-up /ping must not itself miss the deadline on a loaded CI machine.
        try await withTestServer([("public", Self.router(gate: gate))], configure: { $0.replyDeadline = .seconds(1) }) { server, ports in
            try await withHTTPClient { client in
                // When
                let response = try await client.send(.GET, port: ports["public"]!, path: "/slow")
                gate.open()
                // Then
                #expect(response.status == 503)
                #expect(response.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(response.headers.first(name: "Retry-After") == "1")
                #expect(await eventually { await server.statistics()?.lateReplies == 1 })
                #expect(await server.statistics()?.deadlineReplies == 1)
                // The server still serves. Retried: on a loaded machine a /ping may itself miss the 1 s deadline.
                #expect(await eventually { try await client.send(.GET, port: ports["public"]!, path: "/ping").status == 200 })
            }
        }
    }

    /// When maxPendingRequests are in progress, the next request gets 503 + Retry-After at once.
    @Test func admission_whenPendingLimitIsReached_answers503Immediately() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        try await withTestServer([("public", Self.router(gate: gate))], configure: { $0.maxPendingRequests = 1 }) { server, ports in
            try await withHTTPClient { client in
                // Given: one request holds the only slot
                let slow = Task { try await client.send(.GET, port: ports["public"]!, path: "/slow") }
                await gate.entered.wait()
                // When
                let rejected = try await client.send(.GET, port: ports["public"]!, path: "/ping")
                gate.open()
                let held = try await slow.value
                // Then
                #expect(rejected.status == 503)
                #expect(rejected.headers.first(name: "Retry-After") == "1")
                #expect(held.status == 200)
                #expect(held.text == "late")
                #expect(await server.statistics()?.rejectedOverload == 1)
            }
        }
    }

    /// A request answered by the reply deadline still counts against maxPendingRequests until its
    /// handler returns: a stalled dependency cannot pile up more handler tasks than the limit.
    @Test func admission_whenHandlerOutlivesItsDeadline_stillCountsAgainstLimit() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        try await withTestServer([("public", Self.router(gate: gate))], configure: {
            $0.maxPendingRequests = 1
            $0.replyDeadline = .seconds(1)
        }) { server, ports in
            try await withHTTPClient { client in
                // Given: the only slot's request was answered by the deadline, its handler still runs
                let slow = try await client.send(.GET, port: ports["public"]!, path: "/slow")
                #expect(slow.status == 503)
                #expect(await server.statistics()?.runningHandlers == 1)
                // When
                let rejected = try await client.send(.GET, port: ports["public"]!, path: "/ping")
                gate.open()
                // Then: refused while the handler ran, admitted again once it returned
                #expect(rejected.status == 503)
                #expect(await server.statistics()?.rejectedOverload == 1)
                #expect(await eventually { await server.statistics()?.runningHandlers == 0 })
                // Admitted again. Retried: on a loaded machine a /ping may itself miss the 1 s deadline.
                #expect(await eventually { try await client.send(.GET, port: ports["public"]!, path: "/ping").status == 200 })
            }
        }
    }

    /// A client that leaves before its reply: the reply is still written (to a closed socket, not
    /// dropped as late), the process survives it (no SIGPIPE), and the server keeps serving.
    @Test func disconnect_whenClientLeavesBeforeReply_serverSurvives() async throws {
        let gate = HandlerGate()
        defer { gate.open() } // even if a step throws: never leave a handler task parked for good
        try await withTestServer([("public", Self.router(gate: gate))]) { server, ports in
            try await withHTTPClient { client in
                // Given: a handler holds the request of a raw connection
                let connection = try RawHTTPConnection(port: ports["public"]!)
                try await connection.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
                await gate.entered.wait()
                // When: the client leaves, then the handler replies
                connection.close()
                gate.open()
                // Then: the reply reached the loop and went to evhttp for the departed client
                #expect(await eventually { await server.statistics()?.runningHandlers == 0 })
                let statistics = await server.statistics()
                #expect(statistics?.admitted == 1)
                #expect(statistics?.lateReplies == 0)
                #expect(statistics?.deadlineReplies == 0)
                // and the server (and this process) still answers, on new connections
                for _ in 0..<3 {
                    let next = try await client.send(.GET, port: ports["public"]!, path: "/ping")
                    #expect(next.status == 200)
                }
                #expect(server.isAcceptingRequests)
            }
        }
    }

    /// A request line evhttp cannot parse gets evhttp's 400 and the connection is closed.
    @Test func malformedRequestLine_whenSent_gets400AndClose() async throws {
        try await withTestServer([("public", Self.router())]) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            // When
            try await connection.send("THIS-IS-NOT-HTTP\r\n\r\n")
            let (text, closed) = try await connection.readUntilClosed()
            // Then
            #expect(text.hasPrefix("HTTP/1.1 400"))
            #expect(closed)
        }
    }

    /// Headers over maxHeadersSize get 400 and a closed connection.
    @Test func headers_whenOverMaxHeadersSize_get400AndClose() async throws {
        try await withTestServer([("public", Self.router())], configure: { $0.maxHeadersSize = 1024 }) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            // When
            try await connection.send("GET /ping HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "b", count: 4096))\r\n\r\n")
            let (text, closed) = try await connection.readUntilClosed()
            // Then
            #expect(text.hasPrefix("HTTP/1.1 400"))
            #expect(closed)
        }
    }

    /// A client that sends half a request and stalls is disconnected after connectionTimeout.
    @Test func slowClient_whenRequestStalls_isDisconnectedAfterTimeout() async throws {
        try await withTestServer([("public", Self.router())], configure: { $0.connectionTimeout = .seconds(1) }) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!, readTimeout: .seconds(30))
            let started = ContinuousClock.now
            // When
            try await connection.send("GET /ping HTTP/1.1\r\nHost: t\r\n")
            let (text, closed) = try await connection.readUntilClosed()
            let elapsed = ContinuousClock.now - started
            // Then
            #expect(closed)
            #expect(!text.contains("pong"))
            #expect(elapsed >= .milliseconds(800))
            // The server, not the client's own 30 s read timeout, ended it (generous for loaded CI machines).
            #expect(elapsed < .seconds(25))
        }
    }

    /// Keep-alive works: several requests on one connection, each answered in order.
    @Test func keepAlive_whenRequestsArePipelinedSequentially_answersEach() async throws {
        try await withTestServer([("public", Self.router())]) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            // When
            var texts: [String] = []
            for index in 0..<3 {
                try await connection.send("GET /ping HTTP/1.1\r\nHost: t\r\nX-Request-Id: keep-\(index)\r\n\r\n")
                texts.append(try await connection.readResponse())
            }
            // Then
            #expect(texts.count == 3)
            for (index, text) in texts.enumerated() {
                #expect(text.hasPrefix("HTTP/1.1 200"))
                #expect(text.contains("X-Request-Id: keep-\(index)\r\n"))
                #expect(text.hasSuffix("pong"))
            }
        }
    }
}
