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

/// Builds request paths and query strings with each piece percent-encoded (``PercentEncoding``).
enum ConsulPath {
    /// `/v1/...` followed by the given segments, each escaped (a cluster ARN used as a node name
    /// contains a `/`; Consul decodes `%2F` back before it reads the name).
    static func make(_ prefix: String, _ segments: String...) -> String {
        segments.reduce(prefix) { path, segment in path + "/" + PercentEncoding.encodePathSegment(segment) }
    }

    /// `?a=b&c=d`, or the empty string for no items.
    static func queryString(_ items: [(String, String)]) -> String {
        PercentEncoding.queryString(items)
    }
}
