import ByteCoding

/// The canonicalisation rules of SigV4 task 1: URI, query string and headers.
extension SigV4Signer {
    /// Canonical URI: optionally RFC 3986 dot-segment removal and empty-segment collapsing, then each
    /// segment percent-encoded (so an on-the-wire `%20` becomes `%2520`, the non-S3 double encoding).
    static func canonicalURI(_ path: String, normalize: Bool) -> String {
        let raw = path.isEmpty ? "/" : path
        let segments: [Substring]
        var trailingSlash = false
        if normalize {
            var stack: [Substring] = []
            let parts = raw.split(separator: "/", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                let isLast = index == parts.count - 1
                switch part {
                case "", ".":
                    if isLast { trailingSlash = true }
                case "..":
                    _ = stack.popLast()
                    if isLast { trailingSlash = true }
                default:
                    stack.append(part)
                }
            }
            segments = stack
            if segments.isEmpty { return "/" }
        } else {
            segments = raw.split(separator: "/", omittingEmptySubsequences: false)
        }
        let encoded = segments.map { PercentEncoding.encode(String($0)) }
        if normalize {
            return "/" + encoded.joined(separator: "/") + (trailingSlash ? "/" : "")
        }
        let joined = encoded.joined(separator: "/")
        return joined.hasPrefix("/") ? joined : "/" + joined
    }

    /// Canonical query: each `key=value` decoded then strictly re-encoded, sorted by key then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs: [(String, String)] = query.split(separator: "&").map { piece in
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = PercentEncoding.encode(PercentEncoding.decode(parts[0].utf8))
            let value = parts.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(parts[1].utf8)) : ""
            return (key, value)
        }
        return pairs
            .sorted { lhs, rhs in
                lhs.0 != rhs.0 ? Array(lhs.0.utf8).lexicographicallyPrecedes(rhs.0.utf8)
                    : Array(lhs.1.utf8).lexicographicallyPrecedes(rhs.1.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Canonical headers (`name:value\n` per lower-cased name, sorted; repeated names comma-joined in
    /// request order; values trimmed with inner whitespace runs collapsed) and the signed-header list.
    static func canonicalHeaders(_ headers: [SigV4Header]) -> (canonical: String, signed: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            if values[name] == nil { order.append(name) }
            values[name, default: []].append(normalizeValue(header.value))
        }
        let names = order.sorted { Array($0.utf8).lexicographicallyPrecedes($1.utf8) }
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    /// Trims and collapses runs of spaces, tabs and line breaks to one space (folded lines included).
    private static func normalizeValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .joined(separator: " ")
    }
}
