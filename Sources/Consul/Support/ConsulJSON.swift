import ByteCoding
import Foundation

/// JSON coding as Consul speaks it: PascalCase keys come from each model's `CodingKeys`.
enum ConsulJSON {
    /// Sorted keys make request bodies deterministic (golden tests, readable debugging).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder { JSONDecoder() }
}

/// Builds request paths and query strings with each piece percent-encoded.
enum ConsulPath {
    /// Bytes left as they are in a path segment: RFC 3986 unreserved, `:` and `@`. `/` is escaped:
    /// a cluster ARN used as a node name contains one, and Consul decodes `%2F` back before it
    /// reads the name.
    private static func keptInSegment(_ byte: UInt8) -> Bool {
        PercentEncoding.isUnreserved(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
    }

    /// `/v1/...` followed by the given segments, each escaped.
    static func make(_ prefix: String, _ segments: String...) -> String {
        segments.reduce(prefix) { path, segment in
            path + "/" + PercentEncoding.encode(segment, keeping: keptInSegment)
        }
    }

    /// `?a=b&c=d`, or the empty string for no items; names and values keep only unreserved bytes.
    static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        let pairs = items.map { name, value in
            PercentEncoding.encode(name) + "=" + PercentEncoding.encode(value)
        }
        return "?" + pairs.joined(separator: "&")
    }
}
