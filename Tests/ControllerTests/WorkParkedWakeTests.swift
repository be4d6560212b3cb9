import AsyncHTTPClient
import ErrorClassification
import Foundation
import Journal
import Logging
import Testing
@testable import Controller

/// A changed configuration wakes parked keys at start: what parked them may be fixed now.
struct WorkParkedWakeTests {
    private static func configuration(consulToken: String) -> MeshConfiguration {
        var configuration = MeshConfiguration()
        configuration.webhook.apiKey = "parked-wake-key-0123456789"
        configuration.aws.region = "us-east-1"
        configuration.aws.endpointURL = "http://127.0.0.1:9"
        configuration.consul.httpAddr = "http://127.0.0.1:9"
        configuration.consul.token = consulToken
        return configuration
    }

    private static func park(_ key: String, in journal: EventJournal) async throws {
        try await journal.markWork([key])
        let generation = try #require(try await journal.workItem(key: key)).generation
        try await journal.recordAttempt(key: key, generation: generation, succeeded: false, error: "Permission denied",
                                        errorClass: .permanent, parked: true, notBefore: nil)
    }

    /// The first start with a fingerprint, and any start whose configuration differs, wakes parked
    /// keys; a start with the same configuration leaves them parked.
    @Test func wakeParked_whenConfigurationChanges_wakesParkedKeysOnlyThen() async throws {
        // Given a journal holding a parked key
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
        let key = "task:arn:aws:ecs:us-east-1:123456789012:task/apps/0123456789abcdef"
        try await Self.park(key, in: journal)
        func workers(_ token: String) throws -> ControllerWorkers {
            try ControllerWorkers.make(configuration: Self.configuration(consulToken: token), environment: [:],
                                       journal: journal, httpClient: httpClient, logger: Logger(label: "test"))
        }

        // When / Then: no fingerprint stored yet (an upgrade): the key wakes
        #expect(try await workers("token-a").wakeParkedIfConfigurationChanged() == 1)
        #expect(try await journal.workItem(key: key)?.state == .pending)

        // When / Then: same configuration again: a parked key stays parked
        try await Self.park(key, in: journal)
        #expect(try await workers("token-a").wakeParkedIfConfigurationChanged() == 0)
        #expect(try await journal.workItem(key: key)?.state == .failed)

        // When / Then: a new Consul token: the key wakes
        #expect(try await workers("token-b").wakeParkedIfConfigurationChanged() == 1)
        #expect(try await journal.workItem(key: key)?.state == .pending)
        await journal.close()
        try await httpClient.shutdown()
    }
}
