public import ArgumentParser
import Foundation

/// The operator subcommands of `ecs-mesh-controller`, all clients of the admin API.
public enum OperatorCommands {
    /// In the order `--help` lists them.
    public static var all: [any ParsableCommand.Type] { [
        Status.self, Tasks.self, Services.self, Work.self, Retry.self, Resync.self, JournalTail.self, Explain.self,
    ] }

    static let discussion = "Reads the admin API at --admin-addr with the admin token.\n\n" + OperatorExitCode.documentation

    /// Pagination options of the list commands.
    public struct Paging: ParsableArguments {
        @Option(help: "At most this many rows (1-1000).")
        var limit: Int = 100
        @Option(help: "Continue after this cursor (printed when there are more rows).")
        var cursor: String?

        public init() {}

        public func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
        }

        var query: [(String, String)] {
            [("limit", String(limit))] + (cursor.map { [("cursor", $0)] } ?? [])
        }
    }

    public struct Status: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Show the controller's health: journal, work keys, Consul, AWS, resync.", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        public init() {}

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            emit(try await client.get("/v1/status"), AdminRendering.status)
        }
    }

    public struct Tasks: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List tasks with their desired state and work state.", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        @Option(help: "Only tasks of this cluster (its ARN).") var cluster: String?
        @Option(help: "Only tasks of this Consul service.") var service: String?
        @Option(help: "Only tasks with this ECS lastStatus (e.g. RUNNING, STOPPED).",
                completion: .list(["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "STOPPED"]))
        var status: String?
        @OptionGroup var paging: Paging
        public init() {}

        var query: [(String, String)] {
            [("cluster", cluster), ("service", service), ("status", status)].compactMap { name, value in value.map { (name, $0) } }
                + paging.query
        }

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            let answer = try await client.get("/v1/tasks", query: query)
            emit(answer, AdminRendering.tasks)
            notePage(answer.json)
        }
    }

    public struct Services: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List mesh services with their tasks and token accessor IDs (never a secret).", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        @OptionGroup var paging: Paging
        public init() {}

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            let answer = try await client.get("/v1/services", query: paging.query)
            emit(answer, AdminRendering.services)
            notePage(answer.json)
        }
    }

    public struct Work: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List durable work keys, their attempts and last errors.", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        @Option(help: "Only keys in this state.", completion: .list(["pending", "running", "failed", "done"]))
        var state: String?
        @OptionGroup var paging: Paging
        public init() {}

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            let answer = try await client.get("/v1/work", query: (state.map { [("state", $0)] } ?? []) + paging.query)
            emit(answer, AdminRendering.work)
            notePage(answer.json)
        }
    }

    public struct Retry: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Run a work key again now, or every key parked as failed.",
            usage: "ecs-mesh-controller retry <key>\necs-mesh-controller retry --failed", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        @Argument(help: "A key as `work` shows it (task:<taskId>, service:<name>, client-token) or a full key.")
        var key: String?
        @Flag(help: "Retry every key parked as failed.") var failed = false
        public init() {}

        public func validate() throws {
            guard (key == nil) != (failed == false) else {
                throw ValidationError("give either a work key or --failed")
            }
        }

        /// The request: short keys by path, full keys (which hold `/`) by query.
        var request: (path: String, query: [(String, String)]) {
            guard let key else { return ("/v1/work/retry", [("state", "failed")]) }
            if key.contains("/") { return ("/v1/work/retry", [("key", key)]) }
            return ("/v1/work/\(AdminClient.segment(key))/retry", [])
        }

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            emit(try await client.post(request.path, query: request.query), AdminRendering.retry)
        }
    }

    public struct Resync: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Ask for a resync sweep now (ECS and Consul listed, drift repaired).", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        public init() {}

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            emit(try await client.post("/v1/resync"), AdminRendering.resync)
        }
    }

    public struct Explain: OperatorCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Explain in plain sentences why a task is, or is not, in the mesh.", discussion: discussion)
        @OptionGroup public var admin: AdminOptions
        @Argument(help: "The task's ID or full ARN.") var task: String
        public init() {}

        /// The task ID: the last segment of an ARN, or the argument itself.
        var taskID: String { task.split(separator: "/").last.map(String.init) ?? task }

        public func validate() throws {
            guard !taskID.isEmpty else { throw ValidationError("give a task ID or ARN") }
        }

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            emit(try await client.get("/v1/tasks/\(AdminClient.segment(taskID))/explain"), AdminRendering.explain)
        }
    }
}
