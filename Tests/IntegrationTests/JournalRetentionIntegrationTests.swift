import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Testing

/// Retention in the real executable: a journal written a month ago is pruned by the pass that runs
/// at start, and what is recent or still alive stays.
@Suite(.enabled(if: ControllerProcess.isAvailable, "needs MESH_CONTROLLER_BIN (set by deploy/local/test.sh)"))
struct JournalRetentionIntegrationTests {
    private let logger = Logger(label: "retention-it", factory: { _ in SwiftLogNoOpLogHandler() })

    private func event(_ taskArn: String, version: Int64, status: TaskStatus) -> DecodedEvent {
        let change = TaskStateChange(
            eventID: UUID().uuidString, taskArn: taskArn,
            clusterArn: "arn:aws:ecs:us-east-1:111122223333:cluster/retention", group: "service:web",
            lastStatus: status, desiredStatus: status == .stopped ? .stopped : .running, version: version)
        return DecodedEvent(change: change, rawJSON: Array(#"{"detail":{"note":"written by the test"}}"#.utf8))
    }

    @Test(.timeLimit(.minutes(2)))
    func start_whenJournalHoldsMonthOldRows_prunesThemAndKeepsRecentOnes() async throws {
        // Given a journal holding a task that stopped a month ago (its work done then), a task
        // still running since then, and one event from today
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_RESYNC_ENABLED": "false", "MESH_JOURNAL_RETENTION_DAYS": "7",
        ])
        defer { controller.terminate() }
        let monthAgo = Date(timeIntervalSinceNow: -30 * 86400)
        let stopped = "arn:aws:ecs:us-east-1:111122223333:task/retention/\(UUID().uuidString.lowercased())"
        let running = "arn:aws:ecs:us-east-1:111122223333:task/retention/\(UUID().uuidString.lowercased())"
        let recent = "arn:aws:ecs:us-east-1:111122223333:task/retention/\(UUID().uuidString.lowercased())"
        do {
            let journal = try EventJournal(configuration: JournalConfiguration(path: controller.journalPath), logger: logger)
            _ = try await journal.append([event(stopped, version: 1, status: .running),
                                          event(stopped, version: 2, status: .stopped),
                                          event(running, version: 1, status: .running)], receivedAt: monthAgo)
            for arn in [stopped, running] {
                let claimed = try #require(try await journal.workItem(key: "task:" + arn))
                try await journal.recordAttempt(key: claimed.key, generation: claimed.generation, succeeded: true,
                                                error: nil, parked: false, notBefore: nil, at: monthAgo)
            }
            _ = try await journal.append([event(recent, version: 1, status: .running)], receivedAt: Date())
            await journal.close()
        }

        // When the controller starts on it
        try await controller.start()
        let pruned = await eventually { controller.logTail(20_000).contains("Journal pruned") }
        #expect(pruned, "no retention pass logged: \(controller.logTail())")
        #expect(controller.terminate() == 0)

        // Then the month-old events and the stopped task are gone; the running task and today's event stay
        let journal = try EventJournal(configuration: JournalConfiguration(path: controller.journalPath), logger: logger)
        #expect(try await journal.entries(after: 0, limit: 100).map(\.taskArn) == [recent])
        #expect(try await journal.task(arn: stopped) == nil)
        #expect(try await journal.workItem(key: "task:" + stopped) == nil)
        #expect(try await journal.task(arn: running)?.lastStatus == .running)
        #expect(try await journal.task(arn: recent) != nil)
        #expect(try await journal.integrityCheck())
        await journal.close()
    }
}
