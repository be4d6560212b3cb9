import AsyncHTTPClient
import Foundation
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Synchronization
import Testing

/// The promise of a 202: once acknowledged, an event survives SIGKILL.
@Suite(.enabled(if: ControllerProcess.isAvailable, "needs MESH_CONTROLLER_BIN (set by deploy/local/test.sh)"))
struct CrashSafetyTests {
    /// Continuous posting at many connections, SIGKILL mid-stream, restart: every 202 is in the journal.
    /// (Its time limit only guards against a hang: on a loaded 2-core machine the posting alone took 2 min.)
    @Test(.timeLimit(.minutes(5)))
    func sigkillDuringIngest_losesNoAcknowledgedEvent() async throws {
        // Given a running controller and 64 clients posting distinct events as fast as they can
        let controller = try ControllerProcess()
        try await controller.start()
        let acknowledged = AcknowledgedEvents()
        let killed = KillSwitch()
        let clients = 64
        let killAfter = 2000

        // When the process is killed once enough events were acknowledged
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var counter = 0
                    while true {
                        counter += 1
                        let taskID = String(format: "%08x%024x", client, counter)
                        let body = try Fixtures.event(taskID: taskID, version: 1)
                        do {
                            let (status, reply) = try await controller.postEvent(body)
                            guard status == 202 else {
                                if killed.isSet { return }
                                continue
                            }
                            let object = try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any]
                            let result = (object?["results"] as? [[String: Any]])?.first
                            let arn = result?["taskArn"] as? String ?? ""
                            let sequence = (result?["sequence"] as? NSNumber)?.int64Value ?? -1
                            acknowledged.record("\(arn)#1", sequence: sequence)
                        } catch {
                            // Connection refused or reset: the process is gone.
                            if killed.isSet { return }
                        }
                    }
                }
            }
            group.addTask {
                while acknowledged.count < killAfter {
                    try await Task.sleep(for: .milliseconds(5))
                }
                killed.set()
                controller.kill()
            }
            try await group.waitForAll()
        }
        let acked = acknowledged.snapshot
        #expect(acked.count >= killAfter)

        // Then the restarted controller opens the journal cleanly and knows every acknowledged event
        try await controller.start()
        let sample = Array(acked.keys.shuffled().prefix(50))
        for key in sample {
            let taskArn = String(key.split(separator: "#")[0])
            let taskID = String(taskArn.split(separator: "/").last!)
            let (status, _) = try await controller.postEvent(try Fixtures.event(taskID: taskID, version: 1))
            #expect(status == 200, "re-posting \(taskArn) should be a duplicate after restart")
        }
        #expect(controller.terminate() == 0, "graceful stop after restart: \(controller.logTail())")

        var configuration = JournalConfiguration(path: controller.journalPath)
        configuration.maxBatchSize = 1024
        let journal = try EventJournal(configuration: configuration, logger: Logger(label: "crash-test"))
        #expect(try await journal.integrityCheck())
        var stored: [String: Int64] = [:]
        for entry in try await journal.allEntries() where entry.outcome == .applied {
            stored["\(entry.taskArn)#\(entry.version)"] = entry.sequence
        }
        let lost = acked.filter { stored[$0.key] != $0.value }
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing or renumbered, e.g. \(lost.first.map { "\($0)" } ?? "")")
        await journal.close()
    }
}

/// What the clients saw acknowledged: "taskArn#version" → journal sequence.
private final class AcknowledgedEvents: Sendable {
    private let events = Mutex<[String: Int64]>([:])
    func record(_ key: String, sequence: Int64) { events.withLock { $0[key] = sequence } }
    var count: Int { events.withLock { $0.count } }
    var snapshot: [String: Int64] { events.withLock { $0 } }
}

private final class KillSwitch: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
