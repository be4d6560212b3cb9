import Foundation
import Journal
import MeshModel
import MeshTestSupport
import PostgresJournal
import Testing

/// A real outage of the stack's PostgreSQL: the server stops (immediate shutdown) and starts again.
/// Opt-in (`MESH_TEST_PG_OUTAGE=1`), since it takes the server away from every other test of the
/// process; run it alone:
///
/// ```sh
/// MESH_TEST_PG_OUTAGE=1 swift test --filter PostgresJournalOutageTests
/// ```
@Suite(.enabled(if: PostgresJournalTesting.isEnabled
                    && ProcessInfo.processInfo.environment["MESH_TEST_PG_OUTAGE"] == "1"
                    && ProcessInfo.processInfo.environment["MESH_TEST_STACK_STATE_DIR"] != nil,
                "needs MESH_TEST_PG_OUTAGE=1 and the stack (deploy/local/stack.sh start)"))
struct PostgresJournalOutageTests {
    typealias PG = PostgresJournalTesting

    /// While the server is down, appends fail with a retryable error within the write timeout (never
    /// success) and the journal reports `failing`; once it is back, appends succeed, the journal is
    /// healthy again, and the work signals listen again (an empty array: re-read pending work).
    @Test func append_whileServerDownThenBack_failsRetryablyThenRecovers() async throws {
        let configuration = try await PG.schema()
        try await PG.withJournal(configuration) { journal in
            let arn = PG.taskArn()
            let signals = journal.workSignals()
            _ = try await journal.append([PG.event(arn: arn, version: 1)], receivedAt: Date())

            try await Self.stack("pg-stop", "immediate")
            let started = ContinuousClock.now
            let failure = await #expect(throws: JournalError.self) {
                _ = try await journal.append([PG.event(arn: arn, version: 2)], receivedAt: Date())
            }
            #expect(failure?.isRetryable == true)
            #expect(ContinuousClock.now - started < .seconds(30))
            if case .failing = journal.writeStatus {} else { Issue.record("write status is \(journal.writeStatus)") }

            try await Self.stack("pg-start")
            let recovered = await eventually(timeout: .seconds(60)) {
                (try? await journal.append([PG.event(arn: arn, version: 3)], receivedAt: Date())) != nil
            }
            #expect(recovered)
            #expect(journal.writeStatus == .healthy)
            #expect(try await journal.task(arn: arn)?.version == 3)
            #expect(await signals.wait { _, last in last.isEmpty })
        }
    }

    private static func stack(_ arguments: String...) async throws {
        let output = try await Subprocess.run(["/usr/bin/env",
                                               "STACK_STATE_DIR=\(ProcessInfo.processInfo.environment["MESH_TEST_STACK_STATE_DIR"] ?? "")",
                                               Repository.path("deploy/local/stack.sh")] + arguments)
        guard output.status == 0 else {
            throw PostgresJournalOutageError(message: "stack.sh \(arguments.joined(separator: " ")): \(output.stderrText)")
        }
    }
}

struct PostgresJournalOutageError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
