public import AsyncHTTPClient
import ByteCoding
public import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
public import OpaqueJSON

/// One answer of the admin API: the body as sent (what `--json` prints) and parsed.
public struct AdminAnswer: Sendable {
    public var body: Data
    public var json: JSONValue
}

/// A client of the controller's admin API (bearer token), on AsyncHTTPClient.
///
/// It never opens the journal: everything the CLI shows comes from the admin API.
public struct AdminClient: Sendable {
    /// Per request; the admin API answers from the journal's readers in milliseconds.
    static let timeout: TimeAmount = .seconds(15)
    static let maxBody = 32 << 20

    public let endpoint: AdminEndpoint
    private let http: HTTPClient

    public init(endpoint: AdminEndpoint, http: HTTPClient = .shared) {
        self.endpoint = endpoint
        self.http = http
    }

    public func get(_ path: String, query: [(String, String)] = []) async throws(OperatorError) -> AdminAnswer {
        try await send(.GET, path, query: query)
    }

    public func post(_ path: String, query: [(String, String)] = []) async throws(OperatorError) -> AdminAnswer {
        try await send(.POST, path, query: query)
    }

    /// `path` plus the percent-encoded query.
    static func url(_ base: String, _ path: String, query: [(String, String)]) -> String {
        base + path + PercentEncoding.queryString(query)
    }

    /// A path segment, percent-encoded (task IDs and short keys never need it; full keys might).
    public static func segment(_ text: String) -> String {
        PercentEncoding.encodePathSegment(text)
    }

    private func send(_ method: HTTPMethod, _ path: String, query: [(String, String)]) async throws(OperatorError) -> AdminAnswer {
        var request = HTTPClientRequest(url: Self.url(endpoint.address, path, query: query))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        request.headers.add(name: "Accept", value: "application/json")
        let status: Int
        let body: Data
        do {
            let response = try await http.execute(request, timeout: Self.timeout)
            status = Int(response.status.code)
            body = Data(buffer: try await response.body.collect(upTo: Self.maxBody))
        } catch {
            throw .unreachable(address: endpoint.address, source: endpoint.addressSource, reason: Self.reason(error))
        }
        return AdminAnswer(body: body, json: try Self.interpret(status: status, body: body, address: endpoint.address))
    }

    /// Turns an answer into JSON or the ``OperatorError`` its status stands for.
    static func interpret(status: Int, body: Data, address: String) throws(OperatorError) -> JSONValue {
        let json = try? JSONValue.parse(body)
        let detail = json?["detail"].string ?? json?["title"].string
            ?? String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        switch status {
        case 200..<300:
            guard let json else { throw .badResponse("HTTP \(status) with a body that is not JSON") }
            return json
        case 401: throw .tokenRefused(address: address, detail: detail)
        case 503: throw .unavailable(status: status, detail: detail)
        default: throw .rejected(status: status, detail: detail)
        }
    }

    /// A short reason for a failed connection ("connection refused", "timed out").
    static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("Timeout") {
            return "timed out"
        }
        if text.contains("refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        return text
    }
}
