import Foundation
import MeshModel
import Testing

/// `ISO8601Timestamp.parse` on the shapes ECS writes and on near misses.
struct ISO8601TimestampTests {
    /// 2026-03-14T09:26:53Z in seconds since 1970.
    static let base: Double = 1_773_480_413

    /// Microseconds since 1970, rounded, so comparisons are exact integers.
    func micros(_ s: String) -> Int64? {
        ISO8601Timestamp.parse(s).map { Int64(($0.timeIntervalSince1970 * 1_000_000).rounded()) }
    }

    /// Zero to nine fraction digits all parse, each to its value.
    @Test(arguments: [
        ("", 0), (".5", 500_000), (".52", 520_000), (".177", 177_000), (".1234", 123_400), (".12345", 123_450),
        (".123456", 123_456), (".1234567", 123_457), (".12345678", 123_457), (".123456789", 123_457),
    ])
    func parse_whenFractionHasZeroToNineDigits_isExactToTheMicrosecond(fraction: String, micros expected: Int64) {
        // When
        let parsed = micros("2026-03-14T09:26:53\(fraction)Z")

        // Then
        #expect(parsed == Int64(Self.base) * 1_000_000 + expected)
    }

    /// Nine digits keep sub-microsecond precision as far as `Date` allows.
    @Test func parse_whenNineDigits_keepsNanosecondsApproximately() throws {
        let date = try #require(ISO8601Timestamp.parse("2026-03-14T09:26:53.999999999Z"))
        #expect(abs(date.timeIntervalSince1970 - (Self.base + 0.999999999)) < 1e-6)
    }

    /// Offsets move the instant to UTC.
    @Test(arguments: [("+00:00", 0), ("+02:00", -7200), ("-05:30", 19800), ("+14:00", -50400), ("-00:00", 0)])
    func parse_whenOffsetGiven_convertsToUTC(offset: String, shift: Int64) {
        #expect(micros("2026-03-14T09:26:53.25\(offset)") == (Int64(Self.base) + shift) * 1_000_000 + 250_000)
    }

    /// Calendar edges: leap days, year ends, before 1970.
    @Test(arguments: [
        ("2024-02-29T00:00:00Z", 1_709_164_800.0), ("2000-02-29T12:00:00Z", 951_825_600.0),
        ("2025-12-31T23:59:59Z", 1_767_225_599.0), ("1970-01-01T00:00:00Z", 0.0),
        ("1969-12-31T23:59:59.5Z", -0.5), ("2001-01-01T00:00:00Z", 978_307_200.0),
    ])
    func parse_whenCalendarEdge_isCorrect(text: String, seconds: Double) {
        #expect(ISO8601Timestamp.parse(text)?.timeIntervalSince1970 == seconds)
    }

    /// Anything else is rejected rather than guessed.
    @Test(arguments: [
        "", "2026-03-14", "2026-03-14T09:26:53", "2026-03-14T09:26:53.Z", "2026-03-14T09:26:53.1234567890Z",
        "2026-03-14 09:26:53Z", "2026-03-14t09:26:53Z", "2026-03-14T09:26:53z", "2026-03-14T09:26:53Z ",
        " 2026-03-14T09:26:53Z", "2026-3-14T09:26:53Z", "2026-03-14T9:26:53Z", "2026-13-14T09:26:53Z",
        "2026-00-14T09:26:53Z", "2026-02-29T09:26:53Z", "1900-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-03-00T00:00:00Z", "2026-03-14T24:00:00Z", "2026-03-14T09:60:00Z", "2026-03-14T09:26:60Z",
        "2026-03-14T09:26:53+2:00", "2026-03-14T09:26:53+0200", "2026-03-14T09:26:53+24:00",
        "2026-03-14T09:26:53+02:60", "2026-03-14T09:26:53+02:00Z", "2026-03-14T09:26:5aZ", "２026-03-14T09:26:53Z",
    ])
    func parse_whenMalformed_returnsNil(text: String) {
        #expect(ISO8601Timestamp.parse(text) == nil)
    }
}
