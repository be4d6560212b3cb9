import Foundation
import HTTPServer

/// Renders admin answers: JSON with ISO 8601 dates and sorted keys, indented for `?pretty`.
enum AdminJSON {
    static func response<Body: Encodable>(_ body: Body, status: Int = 200, pretty: Bool) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        do {
            var bytes = Array(try encoder.encode(body))
            if pretty { bytes.append(UInt8(ascii: "\n")) }
            return HTTPResponse(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: bytes)
        } catch {
            return .problem(status: 500, title: "Internal error", detail: "cannot encode the answer (\(type(of: error)))",
                            extra: ["type": ProblemMapping.problemBase + "internal"])
        }
    }
}

/// One page of a list: `items`, and `next` (a cursor) when more may follow.
struct AdminPage<Item: Encodable>: Encodable {
    var items: [Item]
    var next: String?

    /// A page of `items` fetched with `limit`; a full page gets a cursor from its last item's key.
    init(items: [Item], limit: Int, key: (Item) -> String) {
        self.items = items
        self.next = items.count >= limit ? items.last.map { AdminCursor.encode(key($0)) } : nil
    }
}
