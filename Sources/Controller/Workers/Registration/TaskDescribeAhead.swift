public import Journal
import MeshModel

/// Describes the tasks of upcoming keys in ECS ahead of their workers (``WorkLookahead``).
///
/// A task's first event carries no tags, so its worker must call DescribeTasks before it can tell
/// whether and how the task joins the mesh. In a deployment storm the workers take keys one by one,
/// and each lookup joins a small batch (a few tasks per call, with a worker waiting on each). Asked
/// when the keys are scheduled instead, the lookups of every task the journal holds no metadata
/// for reach the ``ECSTaskLookup`` together: its batcher sends them as a few calls of up to 100
/// tasks, and the workers find them in the cache or join the call already on the wire. A task
/// with stored metadata (every later event, every heartbeat) costs one journal read and no call.
/// Failures are dropped: the worker looks the task up itself and retries as it always did.
public struct TaskDescribeAhead: WorkLookahead {
    private let journal: any JournalStore
    private let tasks: any ECSTaskLookup

    /// - Parameters:
    ///   - journal: Where stored task metadata and each task's cluster are read.
    ///   - tasks: The cache the registration worker reads (a ``TaskDescriptionCache``).
    public init(journal: any JournalStore, tasks: any ECSTaskLookup) {
        self.journal = journal
        self.tasks = tasks
    }

    public func upcoming(_ keys: [String]) {
        let arns = keys.compactMap { key -> String? in
            if case .task(let arn) = WorkKey(key) { return arn }
            return nil
        }
        guard !arns.isEmpty else { return }
        Task { await describe(arns) }
    }

    /// Looks up, together, every task of `arns` that the journal knows but holds no metadata for.
    func describe(_ arns: [String]) async {
        guard let known = try? await journal.taskMeta(arns: arns) else { return }
        let missing = arns.filter { known[$0] == nil }
        guard !missing.isEmpty, let records = try? await journal.tasks(arns: missing) else { return }
        await withTaskGroup(of: Void.self) { group in
            for arn in missing {
                guard let cluster = records[arn]?.clusterArn else { continue }
                group.addTask { _ = try? await tasks.task(arn: arn, cluster: cluster) }
            }
        }
    }
}
