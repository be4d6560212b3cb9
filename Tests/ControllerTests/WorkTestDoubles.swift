import Controller
import ErrorClassification
import Foundation
import Journal
import Logging
import Synchronization

// Test doubles for the work-queue tests. Names carry a `Work` prefix: the test target is shared.

/// A `WorkStore` in memory with the semantics of the journal's `work` table.
actor WorkTestStore: WorkStore {
    private(set) var items: [String: WorkItem] = [:]
    private(set) var recorded: [(key: String, succeeded: Bool, parked: Bool, notBefore: Date?)] = []
    /// When set, `markWork` throws it.
    var markError: (any Error)?
    /// Pages read by `pendingWork` (their sizes), to check that listing walks every page.
    private(set) var pendingPages: [Int] = []

    init(_ items: [WorkItem] = []) {
        for item in items { self.items[item.key] = item }
    }

    func setMarkError(_ error: (any Error)?) { markError = error }

    func item(_ key: String) -> WorkItem? { items[key] }

    func markWork(_ keys: [String]) async throws {
        if let markError { throw markError }
        for key in keys {
            if var item = items[key] {
                if item.state == .done || item.state == .failed { item.attempts = 0 }
                item.state = .pending
                item.generation += 1
                item.notBefore = nil
                items[key] = item
            } else {
                items[key] = WorkItem(key: key, state: .pending, generation: 1, updatedAt: Date())
            }
        }
    }

    /// Puts `item` in the store as it is (a key another process wrote, or a gap in the schedule).
    func insert(_ item: WorkItem) { items[item.key] = item }

    func pendingWork(limit: Int, after: String?) async throws -> [WorkItem] {
        let page = page(limit: limit, after: after) { $0.state == .pending || $0.state == .running }
        pendingPages.append(page.count)
        return page
    }

    func failedWork(limit: Int, after: String?) async throws -> [WorkItem] {
        page(limit: limit, after: after) { $0.state == .failed }
    }

    private func page(limit: Int, after: String?, _ filter: (WorkItem) -> Bool) -> [WorkItem] {
        Array(items.values.filter { filter($0) && $0.key > (after ?? "") }.sorted { $0.key < $1.key }.prefix(limit))
    }

    func itemToAttempt(key: String) async throws -> WorkItem? {
        guard let item = items[key], item.state == .pending || item.state == .running else { return nil }
        return item
    }

    func recordAttempt(
        key: String, generation: Int64, succeeded: Bool, error: String?, errorClass: ErrorClass?, parked: Bool,
        notBefore: Date?
    ) async throws {
        guard let item = items[key] else { return }
        recorded.append((key, succeeded, parked, notBefore))
        // The journals' own rule, so the double settles keys exactly as they do.
        let attempt = WorkAttempt(key: key, generation: generation, succeeded: succeeded, error: error,
                                  errorClass: errorClass, parked: parked, notBefore: notBefore, at: item.updatedAt)
        items[key] = attempt.settle(item)
    }
}

/// What a scripted reconcile call does.
enum WorkTestStep: Sendable {
    case succeed
    /// Succeeds and answers with what the queue should do next.
    case answer(ReconcileResult)
    /// Fails permanently, naming keys that are due all the same.
    case failNaming([String], String)
    /// Throws an error of no known class (the queue treats it as transient).
    case fail(String)
    /// Throws an error that says it is transient.
    case failTransient(String)
    /// Throws an error that says it is permanent.
    case failPermanent(String)
}

struct WorkTestError: Error, CustomStringConvertible {
    var description: String
}

/// An error that carries its class, as the Consul, AWS and worker errors do.
struct WorkClassifiedTestError: TransientClassifiable, CustomStringConvertible {
    var description: String
    var isTransient: Bool
}

/// A `Reconciler` that follows a per-key script, records every call, measures concurrency and can
/// hold calls until the test releases them.
final class WorkTestReconciler: Reconciler {
    struct Call: Sendable, Equatable {
        var key: String
        var attempt: String?
        var loggedKey: String?
    }

    private struct State {
        var script: [String: [WorkTestStep]] = [:]
        var defaultStep = WorkTestStep.succeed
        var calls: [Call] = []
        var inFlight = 0
        var maxInFlight = 0
        var inFlightPerKey: [String: Int] = [:]
        var maxInFlightPerKey = 0
        var holding = false
        var held: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextHoldID = 0
        var cancelledCalls = 0
        var completed = 0
    }

    private let state = Mutex(State())

    init(holding: Bool = false, defaultStep: WorkTestStep = .succeed) {
        state.withLock {
            $0.holding = holding
            $0.defaultStep = defaultStep
        }
    }

    func script(_ key: String, _ steps: [WorkTestStep]) { state.withLock { $0.script[key] = steps } }
    func setDefault(_ step: WorkTestStep) { state.withLock { $0.defaultStep = step } }
    func setHolding(_ holding: Bool) { state.withLock { $0.holding = holding } }

    var calls: [Call] { state.withLock { $0.calls } }
    var inFlight: Int { state.withLock { $0.inFlight } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    var maxInFlightPerKey: Int { state.withLock { $0.maxInFlightPerKey } }
    var heldCount: Int { state.withLock { $0.held.count } }
    var cancelledCalls: Int { state.withLock { $0.cancelledCalls } }
    var completed: Int { state.withLock { $0.completed } }
    func calls(for key: String) -> [Call] { calls.filter { $0.key == key } }

    /// Lets every held call continue.
    func releaseAll() {
        let held = state.withLock { state in
            defer { state.held.removeAll() }
            return Array(state.held.values)
        }
        for continuation in held { continuation.resume() }
    }

    func reconcile(key: String, logger: Logger) async throws -> ReconcileResult {
        let (step, holding) = state.withLock { state in
            state.calls.append(Call(
                key: key,
                attempt: logger[metadataKey: "mesh.work.attempt"].map { "\($0)" },
                loggedKey: logger[metadataKey: "mesh.work.key"].map { "\($0)" }
            ))
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            state.inFlightPerKey[key, default: 0] += 1
            state.maxInFlightPerKey = max(state.maxInFlightPerKey, state.inFlightPerKey[key]!)
            var steps = state.script[key] ?? []
            let step = steps.isEmpty ? state.defaultStep : steps.removeFirst()
            state.script[key] = steps
            return (step, state.holding)
        }
        defer {
            state.withLock { state in
                state.inFlight -= 1
                state.inFlightPerKey[key, default: 0] -= 1
                state.completed += 1
            }
        }
        if holding { await hold() }
        if Task.isCancelled {
            state.withLock { $0.cancelledCalls += 1 }
            throw CancellationError()
        }
        switch step {
        case .succeed: return .done
        case .answer(let result): return result
        case .failNaming(let keys, let message):
            throw ReconcileFailure(WorkClassifiedTestError(description: message, isTransient: false), enqueue: keys)
        case .fail(let message): throw WorkTestError(description: message)
        case .failTransient(let message): throw WorkClassifiedTestError(description: message, isTransient: true)
        case .failPermanent(let message): throw WorkClassifiedTestError(description: message, isTransient: false)
        }
    }

    private func hold() async {
        let id = state.withLock { state in
            defer { state.nextHoldID += 1 }
            return state.nextHoldID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if Task.isCancelled { return true }
                    state.held[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.held.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}

/// A clock that moves only when the test advances it.
final class WorkTestClock: Clock {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    var now: Instant { state.withLock { $0.now } }
    var minimumResolution: Duration { .zero }

    /// Deadlines (as offsets) of the sleepers waiting now.
    var sleeperDeadlines: [Duration] { state.withLock { $0.sleepers.values.map(\.deadline.offset).sorted() } }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper that is due.
    func advance(by duration: Duration) {
        let due = state.withLock { state in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}

/// A log handler that keeps metadata (so the reconciler can read it) and prints nothing.
struct WorkTestLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {}
}

/// A logger that prints nothing (tests check metadata through the reconciler).
let workTestLogger = Logger(label: "work-tests", factory: { _ in WorkTestLogHandler() })
