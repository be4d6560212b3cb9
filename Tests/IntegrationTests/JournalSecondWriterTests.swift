import Foundation
import MeshTestSupport
import Testing

/// Issue #14 (SQLite on EFS): a second controller process on the same SQLite journal must not
/// write. It exits at start with status 75 and a message naming the lock and the process that
/// holds it, while the first keeps serving; once the first has stopped, a new process starts.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct JournalSecondWriterTests {
    @Test(.timeLimit(.minutes(2)))
    func start_whenAnotherProcessHoldsTheJournal_exitsWith75AndFirstKeepsServing() async throws {
        // Given: a controller running on its journal
        let first = try ControllerProcess()
        try await first.start()
        defer { first.terminate() }
        let firstPID = try #require(first.process?.processIdentifier)

        // When: a second process starts on the same journal file (run to its exit)
        let binary = try #require(ControllerProcess.binaryPath)
        let second = try await Subprocess.run([
            "MESH_JOURNAL_PATH=\(first.journalPath)", "MESH_WEBHOOK_API_KEY=\(ControllerProcess.apiKey)",
            "MESH_SERVER_PUBLIC_PORT=\(try FreePort.next())", "MESH_SERVER_ADMIN_PORT=\(try FreePort.next())",
            binary, "serve",
        ])

        // Then: it exited with 75 and said why; the first still answers
        #expect(second.status == 75)
        let output = String(decoding: second.stdout + second.stderr, as: UTF8.self)
        #expect(output.contains("the journal is in use by process \(firstPID)"), "\(output)")
        #expect(try await first.status(of: "/readyz") == 200)

        // And: once the first has stopped, the lock is free for a new process
        #expect(first.terminate() == 0)
        let third = try ControllerProcess(extraEnvironment: ["MESH_JOURNAL_PATH": first.journalPath])
        try await third.start()
        #expect(try await third.status(of: "/readyz") == 200)
        #expect(third.terminate() == 0)
    }
}
