import Glibc

/// Monotonic nanoseconds for reply deadlines (a vDSO call, cheap enough per request).
enum MonotonicTime {
    static func nowNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (durations here are seconds, far from the limits).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product + attoseconds / 1_000_000_000
    }
}

extension timeval {
    /// A libevent timeout from nanoseconds (negative values clamp to zero).
    init(nanoseconds: Int64) {
        let clamped = max(0, nanoseconds)
        self.init(tv_sec: Int(clamped / 1_000_000_000), tv_usec: Int((clamped % 1_000_000_000) / 1_000))
    }
}
