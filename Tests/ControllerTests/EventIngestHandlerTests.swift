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
        #expect(try journal.task(arn: Fixtures.taskArn)?.lastStatus == .running)
    }

    /// Re-posting the same event is answered 200 and changes nothing.
    @Test func handle_whenDuplicate_returns200AndKeepsState() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal)
        _ = await handler.handle(post(try Fixtures.running))
        let before = try journal.task(arn: Fixtures.taskArn)
        // When
        let response = await handler.handle(post(try Fixtures.running))
        // Then
        #expect(response.status == 200)
        let results = try json(response)["results"] as! [[String: Any]]
        #expect(results[0]["outcome"] as? String == "duplicate")
        #expect(try journal.task(arn: Fixtures.taskArn) == before)
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
        let task = try #require(try journal.task(arn: Fixtures.taskArn))
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
        #expect(try journal.lastSequence() == 0)
    }

    /// A wrong API key is 401 and nothing is stored.
    @Test func handle_whenWrongKey_returns401() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let response = await makeHandler(sink: journal).handle(post(try Fixtures.running, key: "nope-nope-nope-nope"))
        #expect(response.status == 401)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(try journal.lastSequence() == 0)
    }

    /// Events of clusters outside the allow-list are refused with 422.
    @Test func handle_whenClusterNotAllowed_returns422() async throws {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let handler = makeHandler(sink: journal, allowed: ["batch"])
        let response = await handler.handle(post(try Fixtures.running))
        #expect(response.status == 422)
        #expect((try json(response)["detail"] as? String ?? "").contains("allow-list"))
        #expect(try journal.lastSequence() == 0)
        // An allowed name matches the ARN's cluster name.
        let allowed = await makeHandler(sink: journal, allowed: ["apps"]).handle(post(try Fixtures.running))
        #expect(allowed.status == 202)
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
    func append(_ events: [DecodedEvent], receivedAt: Date) async throws(JournalError) -> [AppendResult] {
        throw error
    }
}
