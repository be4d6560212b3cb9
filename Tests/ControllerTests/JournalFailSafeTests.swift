import Foundation
import HTTPServer
import Journal
import Logging
import Testing
@testable import Controller

/// Readiness and the process's exit follow the journal's write health.
struct JournalFailSafeTests {
    private let logger = Logger(label: "journal-fail-safe-tests")

    /// A journal that is healthy reports ready; one stopped by a full database reports 503.
    @Test func readyz_whenJournalStopped_answers503() async throws {
        // Given a journal capped at a few pages, and readiness on it
        let (journal, path) = try cappedJournal()
        defer { remove(path) }
        let health = HealthHandlers(journal: journal, isAccepting: { true })
        #expect(await health.readyz(HTTPRequest(path: "/readyz")).status == 200)

        // When writes fill the database
        try await fill(journal)

        // Then
        let response = await health.readyz(HTTPRequest(path: "/readyz"))
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("journal writes stopped"))
        await journal.close()
    }

    /// The stop watch ends the service group with the journal's .stopped, which exits with 74.
    @Test func stopWatch_whenJournalStops_throwsStoppedAndExitStatusIs74() async throws {
        // Given a running watch on a journal that has not failed
        let (journal, path) = try cappedJournal()
        defer { remove(path) }
        let watch = Task { try await JournalStopWatch(journal: journal, logger: logger).run() }

        // When writes fill the database
        try await fill(journal)

        // Then
        let error = await #expect(throws: JournalError.self) { try await watch.value }
        #expect(error == .stopped)
        #expect(error.map { MeshControllerApp.exitStatus(for: $0) } == 74)
        #expect(MeshControllerApp.exitStatus(for: CancellationError()) == 1)
        await journal.close()
    }

    /// On graceful shutdown (cancellation here) the watch returns quietly.
    @Test func stopWatch_whenCancelled_returns() async throws {
        let journal = try EventJournal.inMemory(logger: logger)
        let watch = Task { try await JournalStopWatch(journal: journal, logger: logger).run() }
        watch.cancel()
        try await watch.value
        await journal.close()
    }

    // MARK: - Support

    private func cappedJournal() throws -> (EventJournal, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("failsafe-\(UUID().uuidString).sqlite").path
        var configuration = JournalConfiguration(path: path)
        configuration.maxPageCount = 40
        return (try EventJournal(configuration: configuration, logger: logger), path)
    }

    /// Marks work keys until the database is full; returns once a write failed.
    private func fill(_ journal: EventJournal) async throws {
        for round in 0..<200 {
            do {
                try await journal.markWork((0..<200).map { "service:fill-\(round)-\($0)" })
            } catch {
                #expect(error == .unavailable || error == .stopped)
                return
            }
        }
        Issue.record("the capped journal never filled up")
    }

    private func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
