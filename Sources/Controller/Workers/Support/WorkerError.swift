public import ErrorClassification

/// Why one attempt of a worker failed, with enough context to act on it from the work item's
/// `lastError` alone (which service, task or secret; which step; what the server said).
///
/// A struct with a private code (the `PersistError` model) so cases can grow; equal when the codes
/// are equal, so tests compare with the static members. The description is what the journal keeps
/// as `lastError`, so it never contains a token secret: underlying errors are the Consul and AWS
/// clients' typed errors, whose descriptions redact secrets themselves.
public struct WorkerError: Error, Sendable, Equatable, CustomStringConvertible, TransientClassifiable {
    private enum Code: String, Sendable {
        case unknownKey, journal, ecs, taskNotInECS, invalidTags, invalidMeshConfig, secretsManager, secretConflict
        case consulACL, consulCatalog, notConfigured
    }

    private let code: Code
    /// What the worker was doing, e.g. `"CreateSecret ecs-mesh-web"`.
    public let context: String
    /// The error behind it, if any (a `ConsulError`, `AWSError`, `JournalError`, `MeshTagError`).
    public let underlying: (any Error)?
    /// Where it was raised (`#fileID`).
    public let file: String
    /// Where it was raised (`#line`).
    public let line: Int

    private init(_ code: Code, context: String = "", underlying: (any Error)? = nil,
                 file: String = #fileID, line: Int = #line) {
        self.code = code
        self.context = context
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// A key that no worker owns (nothing writes such keys; a bug or a hand-edited journal).
    public static let unknownKey = WorkerError(.unknownKey)
    /// Reading or writing the journal failed.
    public static let journal = WorkerError(.journal)
    /// An ECS call (DescribeTasks, DescribeTaskDefinition) failed.
    public static let ecs = WorkerError(.ecs)
    /// ECS does not know a task that has not stopped (eventual consistency right after RunTask).
    public static let taskNotInECS = WorkerError(.taskNotInECS)
    /// A `consul.hashicorp.com/*` tag of a mesh task cannot be used; fix the tag.
    public static let invalidTags = WorkerError(.invalidTags)
    /// The task definition's `CONSUL_ECS_CONFIG_JSON` cannot be used; the task stays unregistered
    /// (a task definition never changes: a new revision fixes it).
    public static let invalidMeshConfig = WorkerError(.invalidMeshConfig)
    /// A Secrets Manager call failed.
    public static let secretsManager = WorkerError(.secretsManager)
    /// The secret changed under us (another writer); the next attempt reads it again.
    public static let secretConflict = WorkerError(.secretConflict)
    /// A Consul ACL call (token, policy) failed.
    public static let consulACL = WorkerError(.consulACL)
    /// A Consul catalog write failed.
    public static let consulCatalog = WorkerError(.consulCatalog)
    /// The worker lacks a dependency (e.g. AWS has no region).
    public static let notConfigured = WorkerError(.notConfigured)

    /// This error with context attached.
    func with(_ context: String, underlying: (any Error)? = nil,
              file: String = #fileID, line: Int = #line) -> WorkerError {
        WorkerError(code, context: context, underlying: underlying, file: file, line: line)
    }

    /// Transient or permanent, for the work queue (retry forever, or park at once).
    ///
    /// A failed call to Consul, AWS or the journal has the class of the error it wraps (decided
    /// where that error type lives); without one it counts as transient. ECS not knowing a live task
    /// yet and a secret changing under us pass on their own. A key no worker owns, unusable tags, an
    /// unusable consul-ecs config and a missing dependency need someone to act: permanent.
    public var isTransient: Bool {
        switch code {
        case .unknownKey, .invalidTags, .invalidMeshConfig, .notConfigured: false
        case .taskNotInECS, .secretConflict: true
        case .journal, .ecs, .secretsManager, .consulACL, .consulCatalog:
            underlying.map { ErrorClass(of: $0) == .transient } ?? true
        }
    }

    /// A stable name of the code, for metrics and tests.
    public var codeName: String { code.rawValue }

    public var description: String {
        var text = "WorkerError.\(code.rawValue)"
        if !context.isEmpty { text += ": \(context)" }
        if let underlying { text += ": \(underlying)" }
        return text + " [\(file):\(line)]"
    }

    public static func == (lhs: WorkerError, rhs: WorkerError) -> Bool { lhs.code == rhs.code }
}

extension WorkerError {
    /// Runs `body`, wrapping any error that is not already a ``WorkerError`` as `self` with `context`.
    func wrapping<T>(_ context: @autoclosure () -> String, file: String = #fileID, line: Int = #line,
                     _ body: () async throws -> T) async throws(WorkerError) -> T {
        do {
            return try await body()
        } catch let error as WorkerError {
            throw error
        } catch {
            throw with(context(), underlying: error, file: file, line: line)
        }
    }
}
