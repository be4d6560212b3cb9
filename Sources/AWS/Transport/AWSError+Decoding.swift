import Foundation

/// Turning a non-2xx response into an ``AWSError``, the way the AWS SDKs' awsJson1_1 error parsers do,
/// plus moto's XML auth errors.
extension AWSError {
    /// Decodes an error response.
    /// - Parameters:
    ///   - operation: The operation called.
    ///   - statusCode: The HTTP status.
    ///   - header: Case-insensitive header lookup.
    ///   - body: The response body.
    init(operation: String, statusCode: Int, header: (String) -> String?, body: [UInt8]) {
        var code = header("x-amzn-errortype").flatMap(Self.sanitize)
        var message: String?
        var requestID = header("x-amzn-requestid") ?? header("x-amz-request-id")

        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<") {
            code = code ?? Self.xmlElement("Code", in: text).flatMap(Self.sanitize)
            message = Self.xmlElement("Message", in: text)
            requestID = requestID ?? Self.xmlElement("RequestId", in: text) ?? Self.xmlElement("RequestID", in: text)
        } else if let document = try? JSONDecoder().decode(ErrorDocument.self, from: Data(body)) {
            code = code ?? [document.code, document.__type, document.Code].lazy.compactMap { $0.flatMap(Self.sanitize) }.first
            message = document.message ?? document.Message ?? document.errorMessage
        }
        self.init(
            code: code ?? "HTTP\(statusCode)", message: message, statusCode: statusCode,
            operation: operation, requestID: requestID
        )
    }

    /// `aws.protocoltests#FooError:http://internal.amazon.com/` → `FooError`: cut at the first `:`,
    /// keep what follows the last `#`. Returns `nil` for an empty result.
    static func sanitize(_ raw: String) -> String? {
        var value = Substring(raw)
        if let colon = value.firstIndex(of: ":") { value = value[..<colon] }
        if let hash = value.lastIndex(of: "#") { value = value[value.index(after: hash)...] }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The text of the first `<name>…</name>`, with the five XML entities decoded.
    static func xmlElement(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
              let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    private struct ErrorDocument: Decodable {
        var __type: String?
        var code: String?
        var Code: String?
        var message: String?
        var Message: String?
        var errorMessage: String?
    }
}
