public import Journal
import Synchronization

/// Who may report for which task, held in memory so a steady heartbeat never reads SQLite.
///
/// Two maps: task → service (from the journal's `task_meta`), and service token SHA-256 → service
/// (from `services.token_sha256`, the only form in which the journal knows a token). A miss reads
/// the journal once and caches the answer; service hashes are re-read at most once per
/// ``refreshInterval`` so a flood of wrong tokens cannot turn into a flood of reads.
///
/// Thread-safe: one `Mutex`, never held across a journal read.
public final class HeartbeatAuthority: Sendable {
    /// The outcome of checking one heartbeat's credentials.
    public enum Verdict: Sendable, Equatable {
        /// The token is the task's own service's token.
        case allowed(service: String, stopped: Bool)
        /// No token, or a token of no known service.
        case unauthenticated
        /// A valid token of another service.
        case forbidden(tokenService: String, taskService: String)
        /// The journal does not know the task, or it is not a mesh task.
        case unknownTask
    }

    /// How often a miss may re-read the journal.
    public static let refreshInterval: Duration = .seconds(1)

    private struct TaskEntry {
        var service: String?
        var stopped: Bool
        var readAt: ContinuousClock.Instant
    }

    private struct State {
        var tasks: [String: TaskEntry] = [:]
        var servicesByDigest: [TokenDigest: String] = [:]
        var digestsByService: [String: TokenDigest] = [:]
        var hashesReadAt: ContinuousClock.Instant?
    }

    private let journal: any JournalStore
    private let state = Mutex(State())

    public init(journal: any JournalStore) {
        self.journal = journal
    }

    /// Loads every live mesh task and every service token hash (at start).
    /// - Throws: ``JournalError`` if the journal cannot be read.
    public func preload() async throws(JournalError) {
        let identities = try await journal.heartbeatIdentities()
        let hashes = try await journal.serviceTokenHashes()
        let now = ContinuousClock.now
        state.withLock { state in
            for identity in identities {
                state.tasks[identity.taskArn] = TaskEntry(service: identity.serviceName, stopped: identity.stopped, readAt: now)
            }
            Self.install(hashes, into: &state, at: now)
        }
    }

    /// Checks `token` for `taskArn`: token first (401 before anything about the task is revealed),
    /// then the task (404), then whether the token is the task's own service's (403), compared in
    /// constant time.
    /// - Throws: ``JournalError`` when a cache miss cannot read the journal.
    public func verdict(taskArn: String, tokenDigest: TokenDigest) async throws(JournalError) -> Verdict {
        guard let tokenService = try await service(of: tokenDigest) else { return .unauthenticated }
        guard let task = try await task(taskArn), let taskService = task.service else { return .unknownTask }
        let expected = state.withLock { $0.digestsByService[taskService] }
        if let expected, expected.constantTimeEquals(tokenDigest) {
            return .allowed(service: taskService, stopped: task.stopped)
        }
        return .forbidden(tokenService: tokenService, taskService: taskService)
    }

    /// Drops a task (it stopped); a later heartbeat reads the journal again.
    public func forget(taskArn: String) {
        _ = state.withLock { $0.tasks.removeValue(forKey: taskArn) }
    }

    // MARK: Lookups

    private func service(of digest: TokenDigest) async throws(JournalError) -> String? {
        let now = ContinuousClock.now
        let (known, mayRefresh) = state.withLock { state in
            (state.servicesByDigest[digest],
             state.hashesReadAt.map { now - $0 >= Self.refreshInterval } ?? true)
        }
        if let known { return known }
        guard mayRefresh else { return nil }
        let hashes = try await journal.serviceTokenHashes()
        return state.withLock { state in
            Self.install(hashes, into: &state, at: now)
            return state.servicesByDigest[digest]
        }
    }

    private func task(_ taskArn: String) async throws(JournalError) -> TaskEntry? {
        let now = ContinuousClock.now
        let cached = state.withLock { $0.tasks[taskArn] }
        if let cached, cached.service != nil || now - cached.readAt < Self.refreshInterval { return cached }
        guard let identity = try await journal.heartbeatIdentity(taskArn: taskArn) else { return nil }
        let entry = TaskEntry(service: identity.serviceName, stopped: identity.stopped, readAt: now)
        state.withLock { $0.tasks[taskArn] = entry }
        return entry
    }

    private static func install(_ hashes: [String: String], into state: inout State, at now: ContinuousClock.Instant) {
        state.servicesByDigest.removeAll(keepingCapacity: true)
        state.digestsByService.removeAll(keepingCapacity: true)
        for (service, hex) in hashes {
            guard let digest = TokenDigest(hex: hex) else { continue }
            state.servicesByDigest[digest] = service
            state.digestsByService[service] = digest
        }
        state.hashesReadAt = now
    }
}
