import Foundation
@testable import HTTPServer
import Testing

/// The value types handlers see: headers, query items, problem documents, prepared replies.
struct HTTPValuesTests {
    /// Header lookup ignores case and returns the first value; all values stay available.
    @Test func headers_whenNameRepeats_subscriptReturnsFirstAndValuesReturnAll() {
        // Given
        var headers: HTTPServer.HTTPHeaders = ["Accept": "a"]
        headers.add(name: "accept", value: "b")
        // When / Then
        #expect(headers["ACCEPT"] == "a")
        #expect(headers.values(forName: "Accept") == ["a", "b"])
        #expect(headers.count == 2)
    }

    /// replaceOrAdd keeps one field with the new value.
    @Test func headers_whenReplacingRepeatedField_keepsOneField() {
        // Given
        var headers: HTTPServer.HTTPHeaders = ["X-A": "1", "x-a": "2", "Other": "o"]
        // When
        headers.replaceOrAdd(name: "X-A", value: "3")
        headers.replaceOrAdd(name: "New", value: "n")
        // Then
        #expect(headers.values(forName: "x-a") == ["3"])
        #expect(headers["new"] == "n")
        #expect(Array(headers.map(\.name)) == ["X-A", "Other", "New"])
    }

    /// A bare name maps to "", values are percent-decoded with + as space, first value wins.
    @Test func queryItems_whenQueryHasFlagsAndEscapes_decodesThem() {
        // Given
        let request = HTTPRequest(method: .get, path: "/", query: "pretty&name=a%20b+c&name=second&empty=&%3Dk=v")
        // When
        let items = request.queryItems
        // Then
        #expect(items == ["pretty": "", "name": "a b c", "empty": "", "=k": "v"])
    }

    /// No query, or an empty one, gives no items.
    @Test func queryItems_whenQueryIsAbsent_isEmpty() {
        #expect(HTTPRequest(method: .get, path: "/").queryItems.isEmpty)
        #expect(HTTPRequest(method: .get, path: "/", query: "").queryItems.isEmpty)
    }

    /// A problem document has the RFC 9457 members, escapes text, and carries extras and headers.
    @Test func problem_whenBuilt_isValidProblemJSON() throws {
        // When
        let response = HTTPResponse.problem(
            status: 422, detail: "Field \"detail.version\" is\nmissing",
            extra: ["field": "detail.version", "status": "ignored"], headers: ["Retry-After": "1"]
        )
        // Then
        #expect(response.status == 422)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        #expect(response.headers["Retry-After"] == "1")
        let document = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(document["type"] as? String == "about:blank")
        #expect(document["title"] as? String == "Unprocessable Content")
        #expect(document["status"] as? Int == 422)
        #expect(document["detail"] as? String == "Field \"detail.version\" is\nmissing")
        #expect(document["field"] as? String == "detail.version")
    }

    /// A custom type and title replace the defaults.
    @Test func problem_whenTypeAndTitleGiven_usesThem() throws {
        // When
        let response = HTTPResponse.problem(status: 400, title: "Bad event", detail: "d", extra: ["type": "https://example.com/bad"])
        // Then
        let document = try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(document["type"] as? String == "https://example.com/bad")
        #expect(document["title"] as? String == "Bad event")
    }

    /// The server owns Content-Length and X-Request-Id; a HEAD reply keeps the declared length.
    @Test func preparedResponse_whenHandlerSetsOwnedHeaders_dropsThem() {
        // Given
        let response = HTTPResponse(status: 200, headers: ["Content-Length": "99", "X-Request-Id": "x", "Content-Type": "text/plain"], body: Array("hello".utf8))
        // When
        let get = PreparedResponse(response, isHead: false)
        let head = PreparedResponse(response, isHead: true)
        // Then
        #expect(Array(get.headers.map(\.name)) == ["Content-Type"])
        #expect(get.contentLength == 5)
        #expect(get.body.count == 5)
        #expect(head.contentLength == 99)
        #expect(head.body.isEmpty)
    }

    /// Generated request IDs are 15 hex digits and do not repeat.
    @Test func requestIDSequence_whenDrawnRepeatedly_givesDistinctHexIDs() {
        // Given
        var sequence = RequestIDSequence()
        // When
        let ids = (0..<10_000).map { _ in sequence.next() }
        // Then
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 15 && $0.allSatisfy(\.isHexDigit) })
    }
}
