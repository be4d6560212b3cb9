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
    /// Characters left as they are in a path segment. `/` is escaped: a cluster ARN used as a node
    /// name contains one, and Consul decodes `%2F` back before it reads the name.
    private static let segmentAllowed: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~:@")
        return set
    }()

    /// `/v1/...` followed by the given segments, each escaped.
    static func make(_ prefix: String, _ segments: String...) -> String {
        segments.reduce(prefix) { path, segment in
            path + "/" + (segment.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? segment)
        }
    }

    /// `?a=b&c=d`, or the empty string for no items.
    static func queryString(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        var allowed = segmentAllowed
        allowed.remove(charactersIn: ":@")
        let pairs = items.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }
        return "?" + pairs.joined(separator: "&")
    }
}
