import Foundation

/// Lenient timestamp reading: AWS JSON APIs send epoch seconds as numbers (sometimes in scientific
/// notation, `1.523477145713E9`), events and the container endpoint send ISO 8601 strings, moto
/// sends integers or explicit `null`s.
enum AWSTimestamp {
    /// Parses ISO 8601 with or without fractional seconds.
    static func parse(iso8601 string: String) -> Date? {
        if let date = try? Date(string, strategy: .iso8601) { return date }
        return try? Date(string, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Reads `key` as a timestamp in any of the wire forms; anything absent, null or odd gives `nil`
    /// rather than failing the whole response (we don't make decisions on these fields).
    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, forKey key: Key) -> Date? {
        guard container.contains(key), (try? container.decodeNil(forKey: key)) == false else { return nil }
        if let seconds = try? container.decode(Double.self, forKey: key) {
            return Date(timeIntervalSince1970: seconds)
        }
        if let string = try? container.decode(String.self, forKey: key) {
            if let seconds = Double(string) { return Date(timeIntervalSince1970: seconds) }
            return parse(iso8601: string)
        }
        return nil
    }
}
