public import Foundation

/// Parses the ISO-8601 timestamps ECS and EventBridge write (`2026-03-14T09:26:53.52Z`).
///
/// Why not `ISO8601DateFormatter`: it needs one format option per fraction style (ECS mixes 0, 2 and
/// 3 digits in one event) and costs microseconds per call on the webhook path. This parser reads the
/// exact shape `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±hh:mm)` in one pass, with no allocation, and keeps the
/// fraction exact to the microsecond (whole seconds and fraction are added once, as `Double`).
public enum ISO8601Timestamp {
    /// - Returns: The instant, or `nil` if `s` is not of the shape above or names an impossible date/time.
    public static func parse(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Seconds from 1970-01-01 to 2001-01-01, Foundation's reference date.
    private static let referenceDateOffset: Int64 = 978_307_200

    /// Same as ``parse(_:)-(String)`` on UTF-8 bytes, so the event decoder can parse without making a `String`.
    static func parse(_ b: UnsafeRawBufferPointer) -> Date? {
        // Fixed part: YYYY-MM-DDTHH:MM:SS is 19 bytes; the shortest zone is "Z".
        guard b.count >= 20,
              let year = digits(b, 0, 4), b[4] == UInt8(ascii: "-"),
              let month = digits(b, 5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(b, 8, 2), b[10] == UInt8(ascii: "T"),
              let hour = digits(b, 11, 2), b[13] == UInt8(ascii: ":"),
              let minute = digits(b, 14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(b, 17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 59 else { return nil }

        var i = 19
        var nanoseconds = 0
        if b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] &- UInt8(ascii: "0") < 10 {
                guard count < 9 else { return nil }
                nanoseconds = nanoseconds * 10 + Int(b[i] &- UInt8(ascii: "0"))
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { nanoseconds *= 10 }
        }

        guard i < b.count else { return nil }
        var offsetSeconds = 0
        switch b[i] {
        case UInt8(ascii: "Z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count - i == 6, let hh = digits(b, i + 1, 2), b[i + 3] == UInt8(ascii: ":"),
                  let mm = digits(b, i + 4, 2), hh <= 23, mm <= 59 else { return nil }
            offsetSeconds = (hh * 3600 + mm * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }

        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return Date(timeIntervalSinceReferenceDate: Double(seconds - referenceDateOffset)
            + Double(nanoseconds) / 1_000_000_000)
    }

    /// The decimal value of `count` ASCII digits at `start`, or `nil` if any byte is not a digit.
    @inline(__always)
    private static func digits(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for i in start..<(start + count) {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            value = value * 10 + Int(d)
        }
        return value
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
