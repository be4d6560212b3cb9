/// The in-memory scheduling state of the ``WorkQueue``: which keys are ready, running or waiting.
///
/// Pure value code (no clock, no I/O): the actor feeds it times as offsets on its own clock and
/// carries out what it returns. Invariants: a key is in at most one phase; a running key is never
/// handed out again until it finishes (one in flight per key); a key marked while running is run
/// once more afterwards, not concurrently; at most `concurrency` keys run at once.
struct WorkSchedule {
    /// Where one key stands in memory. Parked and settled keys are not kept: the store knows them.
    enum Phase: Equatable {
        /// Queued, waiting for a free slot.
        case ready
        /// An attempt is in flight; `rerun` when the key was marked again meanwhile.
        case running(rerun: Bool)
        /// Backing off until this offset on the queue's clock.
        case waiting(until: Duration)
    }

    /// What marking a key did.
    enum MarkAction: Equatable {
        /// The key was queued (it was unknown, or waiting and is now due at once).
        case queued
        /// The key was already queued: deduplicated.
        case alreadyQueued
        /// The key is running; it will run once more after the current attempt.
        case rerunAfterCurrent
    }

    /// How an attempt ended.
    enum Outcome: Equatable {
        case succeeded
        /// Retry at this offset on the queue's clock.
        case failed(retryAt: Duration)
        /// Parked by a permanent failure; the store keeps it, memory forgets it.
        case parked
        /// Nothing was done (the store had nothing to do, or the attempt was cancelled).
        case abandoned
    }

    /// What happens to the key after its attempt.
    enum FinishAction: Equatable {
        /// Forgotten: converged, parked or abandoned.
        case removed
        /// Marked while running: queued again at once.
        case requeued
        /// Backing off until this offset.
        case waiting(until: Duration)
    }

    private(set) var phases: [String: Phase] = [:]
    private(set) var inFlight = 0
    private var readyKeys: [String] = []
    private var readyHead = 0
    private var deadlines = DeadlineHeap()

    /// The key was marked durably (enqueue, retry, a newer event).
    mutating func mark(_ key: String) -> MarkAction {
        switch phases[key] {
        case nil, .waiting:
            enqueueReady(key)
            return .queued
        case .ready:
            return .alreadyQueued
        case .running:
            phases[key] = .running(rerun: true)
            return .rerunAfterCurrent
        }
    }

    /// A key found in the store at start: ready now, or waiting until `notBefore`. Keys already
    /// known in memory (enqueued before the queue started) keep their phase.
    mutating func resume(_ key: String, notBefore: Duration?) {
        guard phases[key] == nil else { return }
        if let notBefore {
            wait(key, until: notBefore)
        } else {
            enqueueReady(key)
        }
    }

    /// Moves every key whose backoff ended by `now` to the ready queue, in deadline order.
    mutating func promoteDue(now: Duration) {
        while let (deadline, key) = deadlines.peek(), deadline <= now {
            deadlines.pop()
            if phases[key] == .waiting(until: deadline) { enqueueReady(key) }
        }
    }

    /// The next key to attempt if fewer than `concurrency` run; the key becomes running.
    mutating func next(concurrency: Int) -> String? {
        guard inFlight < concurrency else { return nil }
        while readyHead < readyKeys.count {
            let key = readyKeys[readyHead]
            readyHead += 1
            compactReadyQueue()
            guard phases[key] == .ready else { continue }
            phases[key] = .running(rerun: false)
            inFlight += 1
            return key
        }
        return nil
    }

    /// Records the end of the attempt at `key` (which must be running).
    mutating func finish(_ key: String, _ outcome: Outcome) -> FinishAction {
        guard case let .running(rerun) = phases[key] else {
            preconditionFailure("WorkSchedule.finish for a key that is not running")
        }
        inFlight -= 1
        switch outcome {
        case let .failed(retryAt):
            wait(key, until: retryAt)
            return .waiting(until: retryAt)
        case .succeeded, .parked, .abandoned:
            // Marked while running: the store holds a newer generation, so run it once more.
            if rerun {
                enqueueReady(key)
                return .requeued
            }
            phases[key] = nil
            return .removed
        }
    }

    /// The earliest backoff deadline still pending, if any.
    mutating func nextDeadline() -> Duration? {
        while let (deadline, key) = deadlines.peek() {
            if phases[key] == .waiting(until: deadline) { return deadline }
            deadlines.pop()
        }
        return nil
    }

    /// Keys by phase, for statistics.
    var counts: (ready: Int, running: Int, waiting: Int) {
        var ready = 0, running = 0, waiting = 0
        for phase in phases.values {
            switch phase {
            case .ready: ready += 1
            case .running: running += 1
            case .waiting: waiting += 1
            }
        }
        return (ready, running, waiting)
    }

    private mutating func enqueueReady(_ key: String) {
        phases[key] = .ready
        readyKeys.append(key)
    }

    private mutating func wait(_ key: String, until deadline: Duration) {
        phases[key] = .waiting(until: deadline)
        deadlines.push(deadline, key)
    }

    /// Drops consumed entries once they make up half of the ready array.
    private mutating func compactReadyQueue() {
        if readyHead > 64, readyHead * 2 > readyKeys.count {
            readyKeys.removeFirst(readyHead)
            readyHead = 0
        }
    }
}

/// A binary min-heap of backoff deadlines. Entries are not removed when a key leaves its waiting
/// phase; readers skip stale ones (lazy deletion).
struct DeadlineHeap {
    private var entries: [(deadline: Duration, key: String)] = []

    func peek() -> (Duration, String)? {
        entries.first.map { ($0.deadline, $0.key) }
    }

    mutating func push(_ deadline: Duration, _ key: String) {
        entries.append((deadline, key))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !entries.isEmpty else { return }
        entries.swapAt(0, entries.count - 1)
        entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
