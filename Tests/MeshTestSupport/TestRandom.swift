/// SplitMix64: a small seeded generator, so tests that draw random numbers repeat exactly.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always returns the same value: with `UInt64.max` a draw lands on the top of its range, with 0
/// at the bottom.
public struct FixedRandom: RandomNumberGenerator, Sendable {
    public var value: UInt64

    public init(value: UInt64) { self.value = value }

    public mutating func next() -> UInt64 { value }
}
