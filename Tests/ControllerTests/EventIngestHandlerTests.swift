import Foundation
import HTTPServer
import Journal
import Logging
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

struct EventIngestHandlerTests {
    private static let apiKey = "test-webhook-key-0123456789"

    private func makeHandler(sink: any EventSink, allowed: [String] = []) -> EventIngestHandler {
        EventIngestHandler(
            authenticator: WebhookAuthenticator(apiKeyHeader: "x-api-key", apiKey: Self.apiKey, basicUsername: nil, basicPassword: nil),
            allowList: ClusterAllowList(allowed),
            sink: sink,
            retryAfterSeconds: 3,
            logger: Logger(label: "test")
        )
    }

    private func post(_ body: [UInt8], key: String = apiKey, contentType: String? = "application/json; charset=utf-8") -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "x-api-key", value: key)
        if let contentType { headers.add(name: "Content-Type", value: contentType) }
        return HTTPRequest(method: .post, path: "/v1/events", headers: headers, body: body)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(response.body)) as! [String: Any]
    }

    /// The running sample is journaled and answered 202 with its sequence number.
    @Test func handle_whenSampleEvent_returns202WithSequence() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal)
        // When
        let response = await handler.handle(post(try Fixtures.running))
        // Then
        #expect(response.status == 202)
        let results = try json(response)["results"] as! [[String: Any]]
        #expect(results.count == 1)
        #expect(results[0]["outcome"] as? String == "applied")
        #expect((results[0]["sequence"] as? Int ?? 0) > 0)
        #expect(try await journal.task(arn: Fixtures.taskArn)?.lastStatus == .running)
    }

    /// Re-posting the same event is answered 200 and changes nothing.
    @Test func handle_whenDuplicate_returns200AndKeepsState() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal)
        _ = await handler.handle(post(try Fixtures.running))
        let before = try await journal.task(arn: Fixtures.taskArn)
        // When
        let response = await handler.handle(post(try Fixtures.running))
        // Then
        #expect(response.status == 200)
        let results = try json(response)["results"] as! [[String: Any]]
        #expect(results[0]["outcome"] as? String == "duplicate")
        #expect(try await journal.task(arn: Fixtures.taskArn) == before)
    }

    /// A lower version after a higher one is journaled as stale and changes no state.
    @Test func handle_whenOlderVersionAfterNewer_returns200Stale() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal)
        #expect(await handler.handle(post(try Fixtures.stopped)).status == 202)
        // When
        let response = await handler.handle(post(try Fixtures.running))
        // Then
        #expect(response.status == 200)
        #expect(try json(response)["results"].flatMap { ($0 as? [[String: Any]])?.first?["outcome"] as? String } == "stale")
        let task = try #require(try await journal.task(arn: Fixtures.taskArn))
        #expect(task.lastStatus == .stopped)
        #expect(task.version == 6)
    }

    /// A batch array is journaled in one go.
    @Test func handle_whenBatch_journalsEveryEvent() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal)
        let body = Array("[".utf8) + (try Fixtures.event(taskID: "aaa1", version: 1)) + Array(",".utf8)
            + (try Fixtures.event(taskID: "aaa2", version: 1)) + Array("]".utf8)
        let response = await handler.handle(post(body))
        #expect(response.status == 202)
        #expect((try json(response)["results"] as! [[String: Any]]).count == 2)
    }

    /// Each kind of bad input gets its documented status as a problem document.
    @Test(arguments: [
        (Array("{not json".utf8), "application/json", 400, "malformed"),
        (Array(#"{"version":"0","id":"x","detail-type":"ECS Task State Change","source":"aws.ecs","detail":{"clusterArn":"arn:aws:ecs:us-east-1:1:cluster/apps","lastStatus":"RUNNING","version":1}}"#.utf8), "application/json", 400, "detail.taskArn"),
        (Array(#"{"version":"0","id":"x","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}"#.utf8), "application/json", 422, "ECS task state change"),
        (Array("{}".utf8), "text/plain", 415, "Content-Type"),
    ] as [([UInt8], String, Int, String)])
    func handle_whenBadInput_returnsProblem(body: [UInt8], contentType: String, status: Int, mention: String) async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let response = await makeHandler(sink: journal).handle(post(body, contentType: contentType))
        #expect(response.status == status)
        #expect(response.headers["content-type"] == "application/problem+json")
        let detail = try json(response)["detail"] as? String ?? ""
        #expect(detail.contains(mention), "detail was: \(detail)")
        #expect(try await journal.lastSequence() == 0)
    }

    /// A wrong API key is 401 and nothing is stored.
    @Test func handle_whenWrongKey_returns401() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let response = await makeHandler(sink: journal).handle(post(try Fixtures.running, key: "nope-nope-nope-nope"))
        #expect(response.status == 401)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(try await journal.lastSequence() == 0)
    }

    /// Events of clusters outside the allow-list are refused with 422.
    @Test func handle_whenClusterNotAllowed_returns422() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal, allowed: ["batch"])
        let response = await handler.handle(post(try Fixtures.running))
        #expect(response.status == 422)
        #expect((try json(response)["detail"] as? String ?? "").contains("allow-list"))
        #expect(try await journal.lastSequence() == 0)
        // An allowed name matches the ARN's cluster name.
        let allowed = await makeHandler(sink: journal, allowed: ["apps"]).handle(post(try Fixtures.running))
        #expect(allowed.status == 202)
    }

    /// The running sample with its task and cluster ARNs replaced.
    private func running(taskArn: String, clusterArn: String = "arn:aws:ecs:us-east-1:111122223333:cluster/apps") throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(try Fixtures.running)) as! [String: Any]
        var detail = object["detail"] as! [String: Any]
        detail["taskArn"] = taskArn
        detail["clusterArn"] = clusterArn
        object["detail"] = detail
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// A task ARN must be a well-formed ECS task ARN in the partition, region, account and (long
    /// format) cluster of `detail.clusterArn`; otherwise 400 (malformed) or 422 (another
    /// cluster's), naming `detail.taskArn`, and nothing is stored.
    @Test(arguments: [
        // another account, in the long format
        ("arn:aws:ecs:us-east-1:999999999999:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", 422, "account"),
        // another cluster of the same account
        ("arn:aws:ecs:us-east-1:111122223333:task/batch/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", 422, "another cluster"),
        // another region
        ("arn:aws:ecs:eu-west-1:111122223333:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", 422, "region"),
        // the short format is tied to the account
        ("arn:aws:ecs:us-east-1:999999999999:task/344b1ff0-3e1b-4a2b-9f4e-0d2c1b5a6e7f", 422, "account"),
        // not well formed: an account that is not 12 digits, a cluster name with a dot, an ID with a colon
        ("arn:aws:ecs:us-east-1:1111:task/apps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", 400, "well-formed"),
        ("arn:aws:ecs:us-east-1:111122223333:task/ap.ps/7b3f0c2e9d4a4f1b8c6e5d2a1f0e9b8c", 400, "well-formed"),
        ("arn:aws:ecs:us-east-1:111122223333:task/apps/7b3f:0c2e", 400, "well-formed"),
        // far too long: refused without being echoed
        ("arn:aws:ecs:us-east-1:111122223333:task/apps/" + String(repeating: "a", count: 600_000), 400, "too long"),
    ] as [(String, Int, String)])
    func handle_whenTaskArnIsNotOfTheCluster_refusesNamingFieldAndStoresNothing(taskArn: String, status: Int, mention: String) async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        // When
        let response = await makeHandler(sink: journal).handle(post(try running(taskArn: taskArn)))
        // Then
        #expect(response.status == status)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.body.count < 2048, "the problem must not echo a huge ARN")
        let problem = try json(response)
        #expect(problem["field"] as? String == "detail.taskArn")
        #expect((problem["detail"] as? String ?? "").contains(mention), "detail was: \(problem["detail"] ?? "")")
        #expect(try await journal.lastSequence() == 0)
        #expect(try await journal.task(arn: taskArn) == nil)
    }

    /// A short-format task ARN of the cluster's account, and a long one naming the cluster, are accepted.
    @Test(arguments: [
        "arn:aws:ecs:us-east-1:111122223333:task/344b1ff0-3e1b-4a2b-9f4e-0d2c1b5a6e7f",
        "arn:aws:ecs:us-east-1:111122223333:task/apps/0123456789abcdef0123456789abcdef",
    ])
    func handle_whenTaskArnBelongsToTheCluster_returns202(taskArn: String) async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        // When
        let response = await makeHandler(sink: journal).handle(post(try running(taskArn: taskArn)))
        // Then
        #expect(response.status == 202)
        #expect(try await journal.task(arn: taskArn)?.lastStatus == .running)
    }

    /// One inconsistent event refuses the whole batch, naming its index; nothing is stored.
    @Test func handle_whenOneEventOfBatchIsOfAnotherCluster_refusesBatchNamingIndex() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let foreign = try running(taskArn: "arn:aws:ecs:us-east-1:111122223333:task/batch/0123456789abcdef0123456789abcdef")
        let body = Array("[".utf8) + (try Fixtures.running) + Array(",".utf8) + foreign + Array("]".utf8)
        // When
        let response = await makeHandler(sink: journal).handle(post(body))
        // Then
        #expect(response.status == 422)
        #expect(try json(response)["field"] as? String == "[1].detail.taskArn")
        #expect(try await journal.lastSequence() == 0)
    }

    /// Journal backpressure is 429 and a write failure 503, both with Retry-After.
    @Test(arguments: [(JournalError.overloaded, 429), (JournalError.unavailable, 503), (JournalError.closed, 503)])
    func handle_whenJournalRefuses_returnsRetryable(error: JournalError, status: Int) async throws {
        let response = await makeHandler(sink: FailingSink(error: error)).handle(post(try Fixtures.running))
        #expect(response.status == status)
        #expect(response.headers["retry-after"] == "3")
        #expect(response.headers["content-type"] == "application/problem+json")
    }
}

private struct FailingSink: EventSink {
    let error: JournalError
    func append(_ events: [DecodedEvent], receivedAt: Date, completion: @escaping AppendCompletion) {
        completion(.failure(error))
    }
}
