/// Keys the ``WorkQueue`` runs again at a set time (``ReconcileResult/notBefore``): pure value
/// code on the queue's clock offsets. One time per key; the latest answer replaces an earlier one.
struct WorkRechecks {
    private var due: [String: Duration] = [:]

    /// Runs `key` again at `deadline`; `nil` cancels what was set.
    mutating func set(_ key: String, at deadline: Duration?) {
        due[key] = deadline
    }

    /// The keys due by `now`, in key order; each is forgotten.
    mutating func takeDue(now: Duration) -> [String] {
        let keys = due.filter { $0.value <= now }.keys.sorted()
        for key in keys { due[key] = nil }
        return keys
    }

    /// Whether `key` has a time set.
    func isSet(_ key: String) -> Bool { due[key] != nil }

    /// The earliest deadline, if any.
    var nextDeadline: Duration? { due.values.min() }

    /// How many keys wait for their time.
    var count: Int { due.count }
}
