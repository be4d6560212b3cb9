import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A response read to the end, for assertions.
struct CollectedResponse {
    let status: Int
    let headers: NIOHTTP1.HTTPHeaders
    let body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPClient {
    /// Sends one request to 127.0.0.1:`port` and collects the whole response.
    func send(
        _ method: NIOHTTP1.HTTPMethod, port: Int, path: String,
        headers: [(String, String)] = [], body: [UInt8]? = nil
    ) async throws -> CollectedResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 8 << 20)
        return CollectedResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }
}
