import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import PostgresJournal
import PostgresNIO

/// Journals on the stack's real PostgreSQL (``PostgresTestSchema``), one fresh schema per test.
enum PostgresJournalTesting {
    static var isEnabled: Bool { PostgresTestSchema.isEnabled }
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/mesh"
    static let logger = Logger(label: "pg-journal-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A client configuration for a new schema, named by `application_name` (to find its sessions).
    static func schema(applicationName: String = "pgj-" + UUID().uuidString.prefix(8).lowercased()) async throws
        -> PostgresClient.Configuration {
        var configuration = try await PostgresTestSchema.make()
        configuration.options.additionalStartupParameters.append(("application_name", applicationName))
        configuration.options.maximumConnections = 6
        return configuration
    }

    /// Opens a journal on `configuration` (a new schema by default), runs `body`, closes it.
    static func withJournal<T: Sendable>(
        _ configuration: PostgresClient.Configuration? = nil,
        adjust: @Sendable (inout PostgresJournalConfiguration) -> Void = { _ in },
        _ body: @Sendable (PostgresEventJournal) async throws -> T
    ) async throws -> T {
        var journalConfiguration = PostgresJournalConfiguration(client: try await resolve(configuration))
        adjust(&journalConfiguration)
        let journal = try await PostgresEventJournal.open(configuration: journalConfiguration, logger: logger)
        do {
            let value = try await body(journal)
            await journal.close()
            return value
        } catch {
            await journal.close()
            throw error
        }
    }

    /// Runs `body` with a plain client on `configuration` (to look at or change the tables directly).
    static func withClient<T: Sendable>(_ configuration: PostgresClient.Configuration,
                                        _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var plain = configuration
        plain.options.additionalStartupParameters.removeAll { $0.0 == "application_name" }
        let client = PostgresClient(configuration: plain, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    private static func resolve(_ configuration: PostgresClient.Configuration?) async throws -> PostgresClient.Configuration {
        if let configuration { return configuration }
        return try await schema()
    }

    /// A unique task ARN.
    static func taskArn(_ hint: String = "t") -> String {
        "arn:aws:ecs:us-east-1:123456789012:task/mesh/\(hint)-\(UUID().uuidString.lowercased())"
    }

    /// One decoded event with a small JSON body.
    static func event(arn: String, version: Int64, status: TaskStatus = .running,
                      eventID: String = UUID().uuidString) -> DecodedEvent {
        let change = TaskStateChange(
            eventID: eventID, taskArn: arn, clusterArn: cluster,
            taskDefinitionArn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:3",
            group: "service:web", lastStatus: status, desiredStatus: .running, version: version,
            address: "10.0.1.7", containers: [ContainerState(name: "app", lastStatus: "RUNNING")],
            updatedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(version)))
        let body = """
            {"id":"\(eventID)","detail-type":"ECS Task State Change","source":"aws.ecs",\
            "detail":{"taskArn":"\(arn)","lastStatus":"\(status.rawValue)","version":\(version)}}
            """
        return DecodedEvent(change: change, rawJSON: Array(body.utf8))
    }
}

/// A fence that answers a fixed epoch, or refuses.
struct FixedFence: WorkFence {
    var epoch: Int64?

    func epochForWork() throws -> Int64 {
        guard let epoch else { throw NotLeading() }
        return epoch
    }

    struct NotLeading: Error {}
}

extension AsyncStream where Element == [String] {
    /// Reads signals until `done` says so for the keys seen so far (or an element), or `timeout`
    /// passes; returns whether `done` held.
    func wait(timeout: Duration = .seconds(60), until done: @escaping @Sendable (_ seen: Set<String>, _ last: [String]) -> Bool)
        async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var seen = Set<String>()
                for await keys in self {
                    seen.formUnion(keys)
                    if done(seen, keys) { return true }
                }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
