/// A handler's response made ready for the loop, off the loop: fields the server owns are
/// removed and the content length is decided, so the loop only copies bytes into evhttp.
struct PreparedResponse: Sendable {
    var status: Int32
    /// Handler headers minus `Content-Length`, `Transfer-Encoding` and `X-Request-Id`.
    var headers: HTTPHeaders
    var contentLength: Int
    var body: [UInt8]

    init(_ response: HTTPResponse, isHead: Bool) {
        status = Int32(clamping: response.status)
        body = isHead ? [] : response.body
        contentLength = response.body.count
        headers = response.headers
        var needsFiltering = false
        for field in response.headers where Self.isServerOwned(field.name) {
            needsFiltering = true
            if isHead, field.name.equalsIgnoringASCIICase("Content-Length"), let declared = Int(field.value), declared >= 0 {
                contentLength = declared
            }
        }
        if needsFiltering {
            var filtered = HTTPHeaders()
            for field in response.headers where !Self.isServerOwned(field.name) {
                filtered.add(name: field.name, value: field.value)
            }
            headers = filtered
        }
    }

    /// Whether the status forbids a `Content-Length` (RFC 9110 §8.6).
    var allowsContentLength: Bool {
        !(100..<200).contains(status) && status != 204
    }

    private static func isServerOwned(_ name: String) -> Bool {
        name.equalsIgnoringASCIICase("Content-Length") || name.equalsIgnoringASCIICase("X-Request-Id")
            || name.equalsIgnoringASCIICase("Transfer-Encoding")
    }
}
