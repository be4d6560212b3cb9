import ByteCoding
import Foundation
import HTTPServer
import Journal
import Logging
import MeshModel
import Synchronization
import Testing
@testable import Controller

/// Records the keys the handler schedules.
final class RecordingScheduler: WorkScheduler {
    private let keys = Mutex<[String]>([])
    var scheduled: [String] { keys.withLock { $0 } }
    func scheduleMarked(_ keys: [String]) async { self.keys.withLock { $0.append(contentsOf: keys) } }
    func rescanMarked() async {}
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}

/// `POST /v1/heartbeats`: authentication, validation and transitions, on an in-memory journal.
struct HeartbeatHandlerTests {
    static let webToken = "web-token-00000000-0000-0000-0000-000000000001"
    static let dbToken = "db-token-00000000-0000-0000-0000-000000000002"
    static let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/apps"

    struct Harness {
        let journal: EventJournal
        let scheduler = RecordingScheduler()
        let clock = ManualClock()
        let tracker: HeartbeatTracker
        let authority: HeartbeatAuthority
        let handler: HeartbeatHandler
        let expiry: HeartbeatExpiry
        let webTask: String
        let dbTask: String

        init() async throws {
            let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            journal = try EventJournal.inMemory(logger: logger)
            webTask = "arn:aws:ecs:us-east-1:123456789012:task/apps/\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            dbTask = "arn:aws:ecs:us-east-1:123456789012:task/apps/\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
            for (arn, service, token) in [(webTask, "web", HeartbeatHandlerTests.webToken), (dbTask, "db", HeartbeatHandlerTests.dbToken)] {
                let change = TaskStateChange(eventID: UUID().uuidString, taskArn: arn, clusterArn: HeartbeatHandlerTests.cluster,
                                             lastStatus: .running, desiredStatus: .running, version: 1)
                _ = try await journal.append([DecodedEvent(change: change, rawJSON: Array("{}".utf8))], receivedAt: Date())
                try await journal.upsertTaskMeta(TaskMeta(taskArn: arn, mesh: true, serviceName: service, describedAt: Date()))
                try await journal.upsertService(ServiceRecord(name: service, clusterArn: HeartbeatHandlerTests.cluster,
                                                              tokenSHA256: Hex.sha256(token), updatedAt: Date()))
            }
            let clock = self.clock
            tracker = HeartbeatTracker(now: { clock.now })
            authority = HeartbeatAuthority(journal: journal)
            try await authority.preload()
            let recorder = HeartbeatRecorder(journal: journal, tracker: tracker, scheduler: scheduler, logger: logger)
            handler = HeartbeatHandler(authority: authority, recorder: recorder, logger: logger)
            expiry = HeartbeatExpiry(ttl: .seconds(15), journal: journal, tracker: tracker, authority: authority,
                                     recorder: recorder, logger: logger)
        }

        func post(_ body: String, token: String? = HeartbeatHandlerTests.webToken,
                  contentType: String = "application/json") async -> HTTPResponse {
            var headers = HTTPHeaders()
            if let token { headers.add(name: "X-Consul-Token", value: token) }
            headers.add(name: "Content-Type", value: contentType)
            return await handler.handle(HTTPRequest(method: .post, path: "/v1/heartbeats", headers: headers, body: Array(body.utf8)))
        }

        func heartbeat(_ arn: String? = nil, state: String = "RUNNING", health: String = "HEALTHY") -> String {
            #"{"taskArn":"\#(arn ?? webTask)","state":"\#(state)","containers":[{"name":"app","health":"\#(health)"}]}"#
        }
    }

    static func problemType(_ response: HTTPResponse) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return response.headers["content-type"] == "application/problem+json" ? object?["type"] as? String : nil
    }

    /// Missing token, unknown token, another service's token, unknown task: 401, 401, 403, 404, all problem+json.
    @Test func handle_whenCredentialsWrong_refusesWithProblem() async throws {
        // Given
        let h = try await Harness()
        // When
        let missing = await h.post(h.heartbeat(), token: nil)
        let unknown = await h.post(h.heartbeat(), token: "not-a-token")
        let otherService = await h.post(h.heartbeat(), token: Self.dbToken)
        let unknownTask = await h.post(h.heartbeat("arn:aws:ecs:us-east-1:123456789012:task/apps/ffffffffffffffffffffffffffffffff"))
        // Then
        let statuses: [Int] = [missing.status, unknown.status, otherService.status, unknownTask.status]
        #expect(statuses == [401, 401, 403, 404])
        #expect(Self.problemType(missing)?.hasSuffix("unauthorized") == true)
        #expect(Self.problemType(otherService)?.hasSuffix("wrong-service-token") == true)
        #expect(Self.problemType(unknownTask)?.hasSuffix("unknown-task") == true)
        #expect(h.tracker.count == 0)
        #expect(try await h.journal.taskHealthRecords().isEmpty)
    }

    /// Malformed JSON is 400, an unknown health value 422, a wrong media type 415.
    @Test func handle_whenBodyInvalid_400or422or415() async throws {
        // Given
        let h = try await Harness()
        // When
        let malformed = await h.post("{\"taskArn\":")
        let unknownHealth = await h.post(h.heartbeat(health: "GREEN"))
        let mediaType = await h.post(h.heartbeat(), contentType: "text/plain")
        // Then
        #expect(malformed.status == 400)
        #expect(unknownHealth.status == 422)
        #expect(mediaType.status == 415)
        #expect(Self.problemType(unknownHealth) != nil)
    }

    /// The first heartbeat is journaled and wakes the task's key; the same heartbeat again writes nothing.
    @Test func handle_whenSteadyState_journalsOnlyTheFirst() async throws {
        // Given
        let h = try await Harness()
        // When
        let first = await h.post(h.heartbeat())
        let written = try #require(try await h.journal.taskHealth(arn: h.webTask))
        var steady: [Int] = []
        for _ in 0..<50 { steady.append(await h.post(h.heartbeat()).status) }
        // Then
        #expect(first.status == 200)
        #expect(String(decoding: first.body, as: UTF8.self) == #"{"heartbeats":1,"transitions":1}"#)
        #expect(steady.allSatisfy { $0 == 200 })
        #expect(try await h.journal.taskHealth(arn: h.webTask) == written)
        #expect(written.revision == 1)
        #expect(h.scheduler.scheduled == ["task:\(h.webTask)"])
    }

    /// STOPPING wins: a later HEALTHY RUNNING heartbeat is accepted but changes nothing.
    @Test func handle_whenStoppingThenHealthy_staysStopping() async throws {
        // Given
        let h = try await Harness()
        _ = await h.post(h.heartbeat())
        // When
        let stopping = await h.post(h.heartbeat(state: "STOPPING", health: "UNHEALTHY"))
        let late = await h.post(h.heartbeat(state: "RUNNING", health: "HEALTHY"))
        // Then
        #expect(stopping.status == 200)
        #expect(late.status == 200)
        #expect(try await h.journal.taskHealth(arn: h.webTask)?.health.phase == .stopping)
        #expect(String(decoding: late.body, as: UTF8.self).hasSuffix(#""transitions":0}"#))
    }

    /// No heartbeat within the TTL: the sweep journals EXPIRED; the next heartbeat brings it back.
    @Test func sweep_whenTTLPassed_expiresThenRecovers() async throws {
        // Given
        let h = try await Harness()
        _ = await h.post(h.heartbeat())
        // When the clock passes less, then more, than the TTL
        h.clock.advance(.seconds(14))
        await h.expiry.sweep()
        let before = try await h.journal.taskHealth(arn: h.webTask)?.health.phase
        h.clock.advance(.seconds(2))
        await h.expiry.sweep()
        let after = try await h.journal.taskHealth(arn: h.webTask)
        _ = await h.post(h.heartbeat())
        // Then
        #expect(before == .reporting)
        #expect(after?.health.phase == .expired)
        #expect(after?.health.overrideOutput?.contains("TTL of 15 s") == true)
        #expect(try await h.journal.taskHealth(arn: h.webTask)?.health.phase == .reporting)
        #expect(h.scheduler.scheduled.count == 3)
    }

    /// A task that reported STOPPING and then stopped in ECS is forgotten by a later sweep (memory stays bounded).
    @Test func sweep_whenStoppedTaskSilent_forgetsIt() async throws {
        // Given a task that said STOPPING, then its STOPPED event
        let h = try await Harness()
        _ = await h.post(h.heartbeat(state: "STOPPING"))
        let stopped = TaskStateChange(eventID: UUID().uuidString, taskArn: h.webTask, clusterArn: Self.cluster,
                                      lastStatus: .stopped, desiredStatus: .stopped, version: 2)
        _ = try await h.journal.append([DecodedEvent(change: stopped, rawJSON: Array("{}".utf8))], receivedAt: Date())
        // When the sidecar is silent for four TTLs
        h.clock.advance(.seconds(61))
        await h.expiry.sweep()
        // Then the task is no longer tracked, and nothing was journaled for it
        #expect(h.tracker.count == 0)
        #expect(try await h.journal.taskHealth(arn: h.webTask)?.health.phase == .stopping)
    }

    /// A batch counts every heartbeat and is refused whole when one item is refused.
    @Test func handle_whenBatch_allOrNothing() async throws {
        // Given
        let h = try await Harness()
        // When
        let mixed = await h.post("[\(h.heartbeat()),\(h.heartbeat(h.dbTask))]")
        let own = await h.post("[\(h.heartbeat()),\(h.heartbeat(health: "UNHEALTHY"))]")
        // Then
        #expect(mixed.status == 403)
        #expect(own.status == 200)
        #expect(String(decoding: own.body, as: UTF8.self).hasPrefix(#"{"heartbeats":2"#))
        #expect(try await h.journal.taskHealth(arn: h.dbTask) == nil)
    }

    /// Token digests compare equal only for the same token; hex parsing matches the token worker's hash.
    @Test func tokenDigest_whenHexOfSameToken_equal() throws {
        // Given
        let hex = Hex.sha256(Self.webToken)
        // When
        let parsed = try #require(TokenDigest(hex: hex))
        // Then
        #expect(parsed.constantTimeEquals(TokenDigest(token: Self.webToken)))
        #expect(!parsed.constantTimeEquals(TokenDigest(token: Self.dbToken)))
        #expect(TokenDigest(hex: "zz") == nil)
    }
}
