import HTTPServer
import Journal
import Logging
import MeshTestSupport
import Testing
@testable import Controller

/// The ingest handler hands the task keys of applied events to the queue, without writing them again.
struct WorkerIngestHookTests {
    private func handler(journal: EventJournal, scheduler: any WorkScheduler) -> EventIngestHandler {
        EventIngestHandler(
            authenticator: WebhookAuthenticator(apiKeyHeader: "x-api-key", apiKey: "hook-test-key-0123456789",
                                                basicUsername: nil, basicPassword: nil),
            allowList: ClusterAllowList([]), sink: journal, retryAfterSeconds: 1, scheduler: scheduler,
            logger: Logger(label: "test"))
    }

    private func request(_ body: [UInt8]) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add(name: "x-api-key", value: "hook-test-key-0123456789")
        headers.add(name: "Content-Type", value: "application/json")
        return HTTPRequest(method: .post, path: "/v1/events", headers: headers, body: body)
    }

    /// An applied event schedules `task:<arn>`, which the journal already marked; a duplicate does not.
    /// The keys are scheduled after the answer, so the test waits for them; the second task's key
    /// coming right after the first shows that the duplicate in between scheduled nothing.
    @Test func handle_whenEventApplied_schedulesMarkedTaskKey() async throws {
        // Given
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let scheduler = WorkerRecordingEnqueuer()
        let handler = handler(journal: journal, scheduler: scheduler)
        let key = "task:\(Fixtures.taskArn)"
        let otherID = "0123456789abcdef0123456789abcdef"
        let otherArn = "arn:aws:ecs:us-east-1:111122223333:task/apps/\(otherID)"
        // When
        let first = await handler.handle(request(try Fixtures.running))
        let firstScheduled = await eventually(timeout: .seconds(10), interval: .milliseconds(5)) {
            await scheduler.scheduled == [[key]]
        }
        let duplicate = await handler.handle(request(try Fixtures.running))
        let other = await handler.handle(request(try Fixtures.event(taskID: otherID, version: 1)))
        // Then
        #expect(first.status == 202)
        #expect(firstScheduled)
        #expect(duplicate.status == 200)
        #expect(other.status == 202)
        #expect(await eventually(timeout: .seconds(10), interval: .milliseconds(5)) { await scheduler.scheduled.count >= 2 })
        #expect(await scheduler.scheduled == [[key], ["task:\(otherArn)"]])
        #expect(await scheduler.enqueued.isEmpty)
        #expect(try await journal.workItem(key: key)?.state == .pending)
    }
}
