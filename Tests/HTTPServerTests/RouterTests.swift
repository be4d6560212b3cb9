import Foundation
@testable import HTTPServer
import Synchronization
import Testing

/// In-process tier: the router called directly, no sockets.
struct RouterTests {
    private func text(_ response: HTTPResponse) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    /// A `{name}` segment binds its value into pathParameters.
    @Test func handle_whenPathHasParameter_passesParameterToHandler() async {
        // Given
        var router = Router()
        router.add(.get, "/v1/tasks/{taskId}") { request in
            HTTPResponse(status: 200, body: Array((request.pathParameters["taskId"] ?? "missing").utf8))
        }
        // When
        let response = await router.handle(HTTPRequest(method: .get, path: "/v1/tasks/abc123"))
        // Then
        #expect(response.status == 200)
        #expect(text(response) == "abc123")
    }

    /// Requests no route took are reported with their status; routed ones (HEAD by GET included) are not.
    @Test func handle_whenNoRouteTakesTheRequest_reportsItAsUnmatched() async {
        // Given
        let seen = Mutex<[String]>([])
        var router = Router()
        router.add(.get, "/v1/tasks/{taskId}") { _ in HTTPResponse(status: 200) }
        router.onUnmatched = { request, status in
            seen.withLock { $0.append("\(request.method.rawValue) \(request.path) \(status)") }
        }
        // When
        _ = await router.handle(HTTPRequest(method: .get, path: "/v1/tasks/a"))
        _ = await router.handle(HTTPRequest(method: .head, path: "/v1/tasks/a"))
        _ = await router.handle(HTTPRequest(method: .get, path: "/wp-login.php"))
        _ = await router.handle(HTTPRequest(method: .delete, path: "/v1/tasks/a"))
        // Then
        #expect(seen.withLock { $0 } == ["GET /wp-login.php 404", "DELETE /v1/tasks/a 405"])
    }

    /// A literal segment wins over a parameter at the same position.
    @Test func handle_whenLiteralAndParameterMatch_prefersLiteral() async {
        // Given
        var router = Router()
        router.add(.get, "/v1/tasks/{taskId}") { _ in HTTPResponse(status: 200, body: Array("param".utf8)) }
        router.add(.get, "/v1/tasks/summary") { _ in HTTPResponse(status: 200, body: Array("literal".utf8)) }
        // When
        let literal = await router.handle(HTTPRequest(method: .get, path: "/v1/tasks/summary"))
        let parameter = await router.handle(HTTPRequest(method: .get, path: "/v1/tasks/other"))
        // Then
        #expect(text(literal) == "literal")
        #expect(text(parameter) == "param")
    }

    /// An unknown path gets a 404 problem document.
    @Test func handle_whenPathIsUnknown_returns404Problem() async throws {
        // Given
        var router = Router()
        router.add(.get, "/healthz") { _ in HTTPResponse(status: 200) }
        // When
        let response = await router.handle(HTTPRequest(method: .get, path: "/nope"))
        // Then
        #expect(response.status == 404)
        #expect(response.headers["content-type"] == "application/problem+json")
        let document = try json(response)
        #expect(document["status"] as? Int == 404)
        #expect(document["title"] as? String == "Not Found")
        #expect(document["type"] as? String == "about:blank")
    }

    /// A known path with another method gets 405 and an Allow header that includes HEAD for GET.
    @Test func handle_whenMethodIsNotRegistered_returns405WithAllow() async throws {
        // Given
        var router = Router()
        router.add(.get, "/v1/tasks/{taskId}") { _ in HTTPResponse(status: 200) }
        router.add(.delete, "/v1/tasks/{taskId}") { _ in HTTPResponse(status: 204) }
        // When
        let response = await router.handle(HTTPRequest(method: .post, path: "/v1/tasks/t1"))
        // Then
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, HEAD, DELETE")
        #expect(try json(response)["status"] as? Int == 405)
    }

    /// HEAD runs the GET handler and drops the body, keeping its length.
    @Test func handle_whenHeadAndOnlyGetIsRegistered_runsGetWithoutBody() async {
        // Given
        var router = Router()
        router.add(.get, "/status") { _ in HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Array("{\"ok\":true}".utf8)) }
        // When
        let response = await router.handle(HTTPRequest(method: .head, path: "/status"))
        // Then
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers["Content-Length"] == "11")
        #expect(response.headers["Content-Type"] == "application/json")
    }

    /// An explicit HEAD route is preferred over the GET fallback.
    @Test func handle_whenHeadIsRegistered_usesHeadHandler() async {
        // Given
        var router = Router()
        router.add(.get, "/status") { _ in HTTPResponse(status: 200) }
        router.add(.head, "/status") { _ in HTTPResponse(status: 204) }
        // When
        let response = await router.handle(HTTPRequest(method: .head, path: "/status"))
        // Then
        #expect(response.status == 204)
    }

    /// Empty segments (trailing or doubled slashes) are ignored; the root path routes.
    @Test func handle_whenPathHasTrailingSlash_matchesSameRoute() async {
        // Given
        var router = Router()
        router.add(.get, "/v1/tasks") { _ in HTTPResponse(status: 200) }
        router.add(.get, "/") { _ in HTTPResponse(status: 201) }
        // When
        let trailing = await router.handle(HTTPRequest(method: .get, path: "/v1/tasks/"))
        let root = await router.handle(HTTPRequest(method: .get, path: "/"))
        // Then
        #expect(trailing.status == 200)
        #expect(root.status == 201)
    }

    /// A parameter route and a literal route that lacks the method: the parameter route serves it.
    @Test func handle_whenLiteralLacksMethod_fallsBackToParameterRoute() async {
        // Given
        var router = Router()
        router.add(.get, "/v1/work/failed") { _ in HTTPResponse(status: 200) }
        router.add(.post, "/v1/work/{key}") { request in HTTPResponse(status: 202, body: Array(request.pathParameters["key", default: ""].utf8)) }
        // When
        let response = await router.handle(HTTPRequest(method: .post, path: "/v1/work/failed"))
        // Then
        #expect(response.status == 202)
        #expect(text(response) == "failed")
    }

    /// Copies of a router do not share later registrations.
    @Test func add_whenRouterWasCopied_doesNotAffectCopy() async {
        // Given
        var original = Router()
        original.add(.get, "/a") { _ in HTTPResponse(status: 200) }
        let copy = original
        // When
        original.add(.get, "/b") { _ in HTTPResponse(status: 200) }
        // Then
        #expect(await copy.handle(HTTPRequest(method: .get, path: "/b")).status == 404)
        #expect(await original.handle(HTTPRequest(method: .get, path: "/b")).status == 200)
    }
}
