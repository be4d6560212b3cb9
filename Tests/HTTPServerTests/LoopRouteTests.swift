import AsyncHTTPClient
import Dispatch
import Foundation
import NIOHTTP1
@testable import HTTPServer
import Synchronization
import Testing

/// Loop routes (``Router/addOnLoop(_:_:handler:)``): the handler starts on the loop thread for a
/// small body and on a task for a large one, and its responder answers from any thread.
struct LoopRouteTests {
    /// Records the name of the thread each handler started on, and answers from another thread.
    private static func router(names: ThreadNames) -> Router {
        var router = Router()
        router.addOnLoop(.post, "/v1/things") { request, responder in
            names.recordCurrent()
            let body = request.body
            DispatchQueue.global().async {
                responder.reply(HTTPResponse(status: 202, headers: ["Content-Type": "application/octet-stream"], body: body))
            }
        }
        return router
    }

    /// A body within the limit starts its handler on the loop thread; a larger one on a task; both
    /// answers, sent from a dispatch queue, reach the client whole.
    @Test func addOnLoop_whenBodyWithinOrOverTheLimit_startsOnTheLoopOrOnATask() async throws {
        let names = ThreadNames()
        try await withTestServer([("public", Self.router(names: names))], configure: { $0.loopHandlerBodyLimit = 64 }) { _, ports in
            try await withHTTPClient { client in
                // Given
                let small = Array(repeating: UInt8(ascii: "s"), count: 64)
                let large = Array(repeating: UInt8(ascii: "L"), count: 65)
                // When
                let smallResponse = try await client.send(.POST, port: ports["public"]!, path: "/v1/things", body: small)
                let largeResponse = try await client.send(.POST, port: ports["public"]!, path: "/v1/things", body: large)
                // Then
                #expect(smallResponse.status == 202)
                #expect(smallResponse.body == small)
                #expect(largeResponse.status == 202)
                #expect(largeResponse.body == large)
                let started = names.recorded
                #expect(started.count == 2)
                #expect(started.first == "http-loop")
                #expect(started.last != "http-loop")
            }
        }
    }

    /// A loop handler that never answers gets the reply deadline's 503, and the server stays usable.
    @Test func addOnLoop_whenHandlerNeverReplies_answers503AtTheDeadline() async throws {
        var router = Router()
        router.addOnLoop(.post, "/v1/silent") { _, _ in }
        router.add(.get, "/hello") { _ in HTTPResponse(status: 200) }
        try await withTestServer([("public", router)], configure: { $0.replyDeadline = .milliseconds(300) }) { _, ports in
            try await withHTTPClient { client in
                // When
                let silent = try await client.send(.POST, port: ports["public"]!, path: "/v1/silent", body: [1])
                let hello = try await client.send(.GET, port: ports["public"]!, path: "/hello")
                // Then
                #expect(silent.status == 503)
                #expect(silent.headers.first(name: "Retry-After") == "1")
                #expect(hello.status == 200)
            }
        }
    }

    /// Through ``Router/handle(_:)`` a loop route answers like any other (tests, 405s), and a task
    /// handler registered later for the same pair replaces it.
    @Test func handle_whenRouteIsOnTheLoop_answersThroughTheResponderAndCanBeReplaced() async {
        // Given
        var router = Router()
        router.addOnLoop(.post, "/v1/things/") { request, responder in
            responder.reply(HTTPResponse(status: 202, body: request.body))
        }
        // When
        let posted = await router.handle(HTTPRequest(method: .post, path: "/v1/things", body: [7]))
        let deleted = await router.handle(HTTPRequest(method: .delete, path: "/v1/things"))
        let loopHandlerBefore = router.loopHandler(for: HTTPRequest(method: .post, path: "/v1/things"))
        router.add(.post, "/v1/things") { _ in HTTPResponse(status: 201) }
        let replaced = await router.handle(HTTPRequest(method: .post, path: "/v1/things"))
        // Then
        #expect(posted.status == 202)
        #expect(posted.body == [7])
        #expect(deleted.status == 405)
        #expect(deleted.headers["Allow"] == "POST")
        #expect(loopHandlerBefore != nil)
        #expect(router.loopHandler(for: HTTPRequest(method: .post, path: "/v1/things")) == nil)
        #expect(replaced.status == 201)
    }
}

/// The kernel's names of the threads handlers started on (the loop thread names itself `http-loop`).
private final class ThreadNames: Sendable {
    private let names = Mutex<[String]>([])

    var recorded: [String] { names.withLock { $0 } }

    func recordCurrent() {
        let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "?"
        names.withLock { $0.append(name.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
