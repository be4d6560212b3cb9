import ByteCoding

/// Request IDs: accepted from clients when sane, otherwise generated cheaply on the loop.
public enum RequestIDGenerator {
    /// The longest client-supplied `X-Request-Id` we echo and log.
    static let maximumLength = 128

    /// Whether a client-supplied ID is safe to log and echo: 1–128 printable ASCII characters.
    static func isSane(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        return bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }

    /// A random 15-hex-digit ID, for requests made in-process (tests) rather than by the server.
    public static func randomID() -> String {
        hex60(UInt64.random(in: 0...UInt64.max))
    }

    /// Formats the low 60 bits as exactly 15 lowercase hex digits.
    ///
    /// Fifteen UTF-8 bytes fit Swift's small-string representation, so this never allocates.
    static func hex60(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 15) { buffer in
            var remaining = value
            for position in stride(from: 14, through: 0, by: -1) {
                buffer[position] = Hex.digit(UInt8(truncatingIfNeeded: remaining))
                remaining >>= 4
            }
            return 15
        }
    }
}

/// Generates distinct IDs for one server instance: an odd-multiplier bijection of a counter
/// modulo 2^60, offset by a random seed, so IDs look random, never repeat within 2^60
/// requests, and differ between instances. Loop-confined (not Sendable by design).
struct RequestIDSequence {
    private let seed = UInt64.random(in: 0...UInt64.max)
    private var counter: UInt64 = 0

    mutating func next() -> String {
        counter &+= 1
        return RequestIDGenerator.hex60(counter &* 0x9E37_79B9_7F4A_7C15 &+ seed)
    }
}
