import MeshModel
import Synchronization

/// What the registration worker last registered in Consul for each task, so an unchanged intent is
/// not written again (consul-ecs issue #309: a write per second per task loads the Consul leader).
///
/// In memory only: after a restart every task is written once more, which is harmless (catalog
/// registration is idempotent). Only successful writes are recorded, so a failed or partial write
/// is retried in full. A deregistered task is forgotten, which keeps the log as large as the set of
/// registered tasks. Thread-safe behind a `Mutex`.
public final class CatalogWriteLog: Sendable {
    private let intents = Mutex<[String: CatalogIntent]>([:])

    public init() {}

    /// The intent last registered for the task, if any.
    func lastWritten(taskArn: String) -> CatalogIntent? {
        intents.withLock { $0[taskArn] }
    }

    /// Records a successful registration.
    func recordRegistered(_ intent: CatalogIntent, taskArn: String) {
        intents.withLock { $0[taskArn] = intent }
    }

    /// Forgets a task after its deregistration (or a failed write, so the next run writes in full).
    func forget(taskArn: String) {
        _ = intents.withLock { $0.removeValue(forKey: taskArn) }
    }

    /// Forgets every task (a new leadership term: other leaders may have written since), so the next
    /// run of each writes in full.
    func forgetAll() {
        intents.withLock { $0.removeAll() }
    }

    /// Tasks with a recorded registration (tests, metrics).
    var count: Int { intents.withLock { $0.count } }
}
