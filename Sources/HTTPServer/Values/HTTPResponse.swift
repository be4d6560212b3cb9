/// A complete HTTP response as a value: handlers return it, the loop copies it into evhttp.
///
/// The server adds `Content-Length` (from ``body``) and `X-Request-Id` itself; any values a
/// handler sets for those two fields are replaced (except `Content-Length` on a HEAD reply).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

extension HTTPResponse {
    /// An RFC 9457 problem document with content type `application/problem+json`.
    ///
    /// - Parameters:
    ///   - status: The HTTP status; also written as the document's `status` member.
    ///   - title: A short summary; defaults to the status's reason phrase.
    ///   - detail: The explanation for this occurrence (never put secrets in it).
    ///   - extra: More string members, e.g. `"field": "detail.version"`. An `extra["type"]`
    ///     replaces the default `"about:blank"`; `title`, `status` and `detail` cannot be overridden.
    ///   - headers: Extra response headers, e.g. `Retry-After`.
    public static func problem(
        status: Int,
        title: String? = nil,
        detail: String,
        extra: [String: String] = [:],
        headers: HTTPHeaders = [:]
    ) -> HTTPResponse {
        var json = JSONObjectWriter()
        json.add("type", string: extra["type"] ?? "about:blank")
        json.add("title", string: title ?? HTTPStatus.reasonPhrase(status))
        json.add("status", integer: status)
        json.add("detail", string: detail)
        for key in extra.keys.sorted() where !problemCoreMembers.contains(key) {
            json.add(key, string: extra[key]!)
        }
        var allHeaders = headers
        allHeaders.replaceOrAdd(name: "Content-Type", value: problemContentType)
        return HTTPResponse(status: status, headers: allHeaders, body: json.finish())
    }

    /// The media type of problem documents (RFC 9457 §3).
    public static let problemContentType = "application/problem+json"

    private static let problemCoreMembers: Set<String> = ["type", "title", "status", "detail"]
}
