import AsyncHTTPClient
import Foundation
import NIOHTTP1
@testable import HTTPServer
import Testing

/// Live tier: a real evhttp server on 127.0.0.1 (ephemeral ports) driven by AsyncHTTPClient.
struct EventHTTPServerTests {
    private static func echoRouter() -> Router {
        var router = Router()
        router.add(.post, "/echo/{name}") { request in
            var headers: HTTPServer.HTTPHeaders = ["Content-Type": request.headers["Content-Type"] ?? "application/octet-stream"]
            headers.add(name: "X-Name", value: request.pathParameters["name"] ?? "")
            headers.add(name: "X-Query", value: request.queryItems["q"] ?? "")
            headers.add(name: "X-Listener", value: request.listenerName)
            headers.add(name: "X-Remote", value: request.remoteAddress)
            return HTTPResponse(status: 201, headers: headers, body: request.body)
        }
        router.add(.get, "/hello") { _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: Array("hello".utf8))
        }
        return router
    }

    /// A POST body comes back unchanged with path, query and request metadata.
    @Test func roundTrip_whenPostingBody_echoesBodyAndMetadata() async throws {
        try await withTestServer([("public", Self.echoRouter())]) { _, ports in
            try await withHTTPClient { client in
                // Given
                let body = Array((0..<5000).map { UInt8($0 % 251) })
                // When
                let response = try await client.send(
                    .POST, port: ports["public"]!, path: "/echo/alpha%20beta?q=x%2By",
                    headers: [("Content-Type", "application/test"), ("X-Request-Id", "req-123")], body: body
                )
                // Then
                #expect(response.status == 201)
                #expect(response.body == body)
                #expect(response.headers.first(name: "Content-Type") == "application/test")
                #expect(response.headers.first(name: "X-Name") == "alpha beta")
                #expect(response.headers.first(name: "X-Query") == "x+y")
                #expect(response.headers.first(name: "X-Listener") == "public")
                #expect(response.headers.first(name: "X-Remote")?.hasPrefix("127.0.0.1:") == true)
                #expect(response.headers.first(name: "X-Request-Id") == "req-123")
                #expect(response.headers.first(name: "Content-Length") == "5000")
            }
        }
    }

    /// Without a usable X-Request-Id the server generates one and echoes it.
    @Test func requestID_whenClientIDIsMissingOrInsane_generatesOne() async throws {
        try await withTestServer([("public", Self.echoRouter())]) { _, ports in
            try await withHTTPClient { client in
                // When
                let missing = try await client.send(.GET, port: ports["public"]!, path: "/hello")
                let tooLong = try await client.send(.GET, port: ports["public"]!, path: "/hello", headers: [("X-Request-Id", String(repeating: "a", count: 129))])
                // Then
                let first = try #require(missing.headers.first(name: "X-Request-Id"))
                let second = try #require(tooLong.headers.first(name: "X-Request-Id"))
                #expect(first.count == 15)
                #expect(second.count == 15)
                #expect(first != second)
                #expect(missing.text == "hello")
            }
        }
    }

    /// Two listeners serve their own routers on their own ports.
    @Test func listeners_whenTwoAreConfigured_eachUsesItsOwnRouter() async throws {
        // Given
        var admin = Router()
        admin.add(.get, "/v1/status") { request in HTTPResponse(status: 200, body: Array(request.listenerName.utf8)) }
        try await withTestServer([("public", Self.echoRouter()), ("admin", admin)]) { _, ports in
            try await withHTTPClient { client in
                // When
                let adminStatus = try await client.send(.GET, port: ports["admin"]!, path: "/v1/status")
                let publicStatus = try await client.send(.GET, port: ports["public"]!, path: "/v1/status")
                let adminHello = try await client.send(.GET, port: ports["admin"]!, path: "/hello")
                // Then
                #expect(ports["public"] != ports["admin"])
                #expect(adminStatus.status == 200)
                #expect(adminStatus.text == "admin")
                #expect(publicStatus.status == 404)
                #expect(adminHello.status == 404)
            }
        }
    }

    /// 404 and 405 (with Allow) come back over the wire as problem+json.
    @Test func routing_whenPathOrMethodIsUnknown_answers404And405Problems() async throws {
        try await withTestServer([("public", Self.echoRouter())]) { _, ports in
            try await withHTTPClient { client in
                // When
                let notFound = try await client.send(.GET, port: ports["public"]!, path: "/missing")
                let notAllowed = try await client.send(.DELETE, port: ports["public"]!, path: "/hello")
                // Then
                #expect(notFound.status == 404)
                #expect(notFound.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(notAllowed.status == 405)
                #expect(notAllowed.headers.first(name: "Allow") == "GET, HEAD")
                #expect(notAllowed.headers.first(name: "Content-Type") == "application/problem+json")
                #expect(notAllowed.headers.first(name: "X-Request-Id") != nil)
            }
        }
    }

    /// HEAD gets the GET headers and length but no body.
    @Test func head_whenOnlyGetIsRouted_sendsLengthWithoutBody() async throws {
        try await withTestServer([("public", Self.echoRouter())]) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            // When
            try await connection.send("HEAD /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
            let (text, closed) = try await connection.readUntilClosed()
            // Then
            #expect(closed)
            #expect(text.hasPrefix("HTTP/1.1 200"))
            #expect(text.contains("Content-Length: 5\r\n"))
            #expect(text.hasSuffix("\r\n\r\n"))
        }
    }

    /// A method evhttp does not know gets our 501 problem rather than its HTML page.
    @Test func unknownMethod_whenPurgeIsSent_answers501Problem() async throws {
        try await withTestServer([("public", Self.echoRouter())]) { _, ports in
            // Given
            let connection = try RawHTTPConnection(port: ports["public"]!)
            // When
            try await connection.send("PURGE /hello HTTP/1.1\r\nHost: test\r\n\r\n")
            let text = try await connection.readResponse()
            // Then
            #expect(text.hasPrefix("HTTP/1.1 501"))
            #expect(text.contains("Content-Type: application/problem+json"))
        }
    }

    /// A handler that finishes on a foreign OS thread still gets its reply delivered.
    @Test func reply_whenHandlerResumesOnAnotherThread_isDelivered() async throws {
        // Given
        var router = Router()
        router.add(.get, "/thread") { _ in
            await withCheckedContinuation { continuation in
                Thread {
                    continuation.resume(returning: HTTPResponse(status: 200, body: Array("from thread".utf8)))
                }.start()
            }
        }
        try await withTestServer([("public", router)]) { _, ports in
            try await withHTTPClient { client in
                // When
                let responses = try await withThrowingTaskGroup(of: CollectedResponse.self) { group in
                    for _ in 0..<20 {
                        group.addTask { try await client.send(.GET, port: ports["public"]!, path: "/thread") }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                // Then
                #expect(responses.count == 20)
                #expect(responses.allSatisfy { $0.status == 200 && $0.text == "from thread" })
            }
        }
    }

    /// start() is idempotent while running; after shutdown it refuses to start again.
    @Test func start_whenCalledTwiceAndAfterShutdown_returnsSamePortsThenThrows() async throws {
        // Given
        let server = EventHTTPServer(
            configuration: HTTPServerConfiguration(listeners: [.init(name: "public", host: "127.0.0.1", port: 0, router: Router())]),
            logger: quietLogger
        )
        // When
        let first = try await server.start()
        let second = try await server.start()
        await server.shutdown()
        // Then
        #expect(first == second)
        #expect(!server.isAcceptingRequests)
        await #expect(throws: HTTPServerError.self) { try await server.start() }
    }

    /// Concurrent start() calls bind once and every caller gets the same ports; a shutdown() racing
    /// a start waits for it, so the server ends stopped either way.
    @Test func start_whenCalledConcurrently_bindsOnceAndShutdownWaits() async throws {
        // Given
        let listeners: [HTTPServerConfiguration.Listener] = [.init(name: "public", host: "127.0.0.1", port: 0, router: Router())]
        let server = EventHTTPServer(configuration: HTTPServerConfiguration(listeners: listeners), logger: quietLogger)
        let racing = EventHTTPServer(configuration: HTTPServerConfiguration(listeners: listeners), logger: quietLogger)
        // When
        let results = await withTaskGroup(of: [String: Int]?.self) { group in
            for _ in 0..<8 { group.addTask { try? await server.start() } }
            return await group.reduce(into: [[String: Int]?]()) { $0.append($1) }
        }
        async let raced = try? racing.start()
        await racing.shutdown()
        _ = await raced
        await server.shutdown()
        // Then
        #expect(results.count == 8)
        #expect(Set(results.map { $0?["public"] }).count == 1)
        #expect(results[0]?["public"] != nil)
        #expect(!racing.isAcceptingRequests)
        await #expect(throws: HTTPServerError.self) { try await racing.start() }
    }

    /// Binding a port that is taken fails with bindFailed and errno context.
    @Test func start_whenPortIsTaken_throwsBindFailed() async throws {
        try await withTestServer([("public", Router())]) { _, ports in
            // Given
            let second = EventHTTPServer(
                configuration: HTTPServerConfiguration(listeners: [.init(name: "again", host: "127.0.0.1", port: ports["public"]!, router: Router())]),
                logger: quietLogger
            )
            // When
            let error = await #expect(throws: HTTPServerError.self) { try await second.start() }
            // Then
            #expect(error?.code == .bindFailed)
            #expect(error?.errno == EADDRINUSE)
            await second.shutdown()
        }
    }

    /// Duplicate listener names are rejected before anything is bound.
    @Test func start_whenListenerNamesRepeat_throwsInvalidConfiguration() async throws {
        // Given
        let server = EventHTTPServer(
            configuration: HTTPServerConfiguration(listeners: [
                .init(name: "x", host: "127.0.0.1", port: 0, router: Router()),
                .init(name: "x", host: "127.0.0.1", port: 0, router: Router()),
            ]),
            logger: quietLogger
        )
        // When
        let error = await #expect(throws: HTTPServerError.self) { try await server.start() }
        // Then
        #expect(error?.code == .invalidConfiguration)
    }
}
