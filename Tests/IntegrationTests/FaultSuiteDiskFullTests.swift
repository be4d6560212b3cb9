import AsyncHTTPClient
import Foundation
import Journal
import Logging
import MeshTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Fault suite (issue #13): the journal's disk fills up. The journal lives on a small tmpfs; a filler
/// file leaves it little room, and clients post until writes fail. The controller must answer 503
/// (never 202) from then on, report not ready, and exit non-zero (74); once the filler is deleted and
/// the process restarted, as an orchestrator would, it serves again and has lost nothing it acknowledged.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"),
       .enabled(if: SizeLimitedDisk.canMount, "needs root to mount a size-limited tmpfs (mount -t tmpfs -o size=...)"))
struct FaultSuiteDiskFullTests {
    @Test(.timeLimit(.minutes(3)))
    func diskFull_stopsAcknowledging_exitsNonZero_thenRestartsWithNothingLost() async throws {
        // Given the journal on an 8 MiB tmpfs (logs elsewhere) and a running controller, its workers
        // off (no AWS region) so that every write is a request's and the first to fail is answered
        let disk = try SizeLimitedDisk(megabytes: 8)
        defer { disk.unmount() }
        let journalPath = disk.directory.appendingPathComponent("journal.sqlite").path
        let sfx = uniqueSuffix()
        let controller = try ControllerProcess(extraEnvironment: [
            "MESH_JOURNAL_PATH": journalPath, "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
        ])
        try await controller.start()
        let outcomes = PostOutcomes()
        for index in 0..<20 {
            let key = "full-\(sfx)-\(index)"
            let (status, _) = try await controller.postEvent(try Fixtures.event(taskID: key, version: 1, cluster: "full-\(sfx)"))
            #expect(status == 202)
            outcomes.acknowledge(key)
        }

        // When a filler file leaves the journal about 256 KiB, and four clients post until it fails
        let filler = disk.directory.appendingPathComponent("filler")
        try disk.fill(leaving: 256 << 10, with: filler)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var counter = 0
                    while controller.process?.isRunning == true {
                        counter += 1
                        let key = "full-\(sfx)-c\(client)-\(counter)"
                        let sentAfterFailure = outcomes.failureSeen
                        guard let (status, _) = try? await controller.postEvent(
                            try Fixtures.event(taskID: key, version: 1, cluster: "full-\(sfx)"), timeout: .seconds(2)) else { continue }
                        outcomes.record(status: status, key: key, sentAfterFailure: sentAfterFailure)
                    }
                }
            }
            group.addTask {
                while controller.process?.isRunning == true {
                    let sentAfterFailure = outcomes.failureSeen
                    if let status = try? await controller.status(of: "/readyz", timeout: .seconds(2)) {
                        outcomes.recordReadiness(status, sentAfterFailure: sentAfterFailure)
                    }
                    try await Task.sleep(for: .milliseconds(5))
                }
            }
            try await group.waitForAll()
        }

        // Then writes failed with 503, no 202 followed, readiness never said ready after it, and
        // the process exited with EX_IOERR and a clear log line
        let seen = outcomes.snapshot
        #expect(seen.firstFailure == 503, "the first failed write is answered \(seen.firstFailure.map(String.init) ?? "never")")
        #expect(seen.acceptedAfterFailure.isEmpty, "202 after writes failed: \(seen.acceptedAfterFailure.prefix(3))")
        #expect(seen.readyAfterFailure == 0, "/readyz said 200 \(seen.readyAfterFailure) times after writes failed")
        #expect(controller.process?.terminationStatus == 74, "exit status: \(controller.logTail())")
        #expect(controller.logTail(20_000).contains("Journal writes stopped after a fatal write failure"))

        // When space is freed and the process restarted
        try FileManager.default.removeItem(at: filler)
        let recovered = ContinuousClock.now
        try await controller.start()

        // Then it is ready, accepts new events (a fresh client: none of the dead process's
        // connections), and has every acknowledged one
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        #expect(try await controller.status(of: "/readyz", client: client) == 200)
        let event = try Fixtures.event(taskID: "after-\(sfx)", version: 1, cluster: "full-\(sfx)")
        #expect(try await controller.postEvent(event, client: client).status == 202)
        print("fault disk-full: converged \(FaultReport.seconds(ContinuousClock.now - recovered)) s after recovery (\(seen.acknowledged.count) acknowledged before the disk filled)")
        try await client.shutdown()
        #expect(controller.terminate() == 0, "graceful stop: \(controller.logTail())")
        let journal = try EventJournal(configuration: JournalConfiguration(path: journalPath), logger: Logger(label: "fault-disk-full"))
        #expect(try await journal.integrityCheck())
        let stored = Set(try await journal.allEntries().map { String($0.taskArn.split(separator: "/").last ?? "") })
        let lost = seen.acknowledged.filter { !stored.contains($0) }
        #expect(lost.isEmpty, "\(lost.count) acknowledged events missing, e.g. \(lost.first ?? "")")
        await journal.close()
    }
}

/// What the clients saw, in the order they saw it.
private final class PostOutcomes: Sendable {
    struct Snapshot {
        var acknowledged: [String] = []
        var firstFailure: Int?
        var acceptedAfterFailure: [String] = []
        var readyAfterFailure = 0
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }
    var failureSeen: Bool { state.withLock { $0.firstFailure != nil } }

    func acknowledge(_ key: String) { state.withLock { $0.acknowledged.append(key) } }

    /// `sentAfterFailure`: the request left after a failed write had been answered.
    func record(status: Int, key: String, sentAfterFailure: Bool) {
        state.withLock { state in
            if (200..<300).contains(status) {
                state.acknowledged.append(key)
                if sentAfterFailure { state.acceptedAfterFailure.append(key) }
            } else if state.firstFailure == nil {
                state.firstFailure = status
            }
        }
    }

    func recordReadiness(_ status: Int, sentAfterFailure: Bool) {
        if sentAfterFailure, status == 200 { state.withLock { $0.readyAfterFailure += 1 } }
    }
}

/// A tmpfs of a given size mounted on a fresh temporary directory (root only).
struct SizeLimitedDisk {
    let directory: URL

    /// Whether this machine lets the tests mount one (tried once).
    static let canMount: Bool = {
        guard getuid() == 0, let disk = try? SizeLimitedDisk(megabytes: 1) else { return false }
        disk.unmount()
        return true
    }()

    init(megabytes: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-disk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard Self.run(["mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory.path]) == 0 else {
            try? FileManager.default.removeItem(at: directory)
            throw ProcessFailure("mount -t tmpfs -o size=\(megabytes)m failed on \(directory.path)")
        }
    }

    /// Writes `file` so that about `leaving` bytes stay free.
    func fill(leaving: Int, with file: URL) throws {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else { throw ProcessFailure("statvfs failed") }
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        try Data(count: max(0, free - leaving)).write(to: file)
    }

    func unmount() {
        _ = Self.run(["umount", directory.path])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a short system command to completion (mount/umount take milliseconds).
    private static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
