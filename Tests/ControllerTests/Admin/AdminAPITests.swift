import ErrorClassification
import Foundation
import HTTPServer
import Journal
import LeaderElection
import Logging
import MeshModel
import MeshTestSupport
import Testing
@testable import Controller

struct AdminAPITests {
    private static let token = "admin-test-token-0123456789"

    /// An in-memory journal holding the running sample event, and an admin router over it.
    private func makeRouter(token: String? = token, resync: (any ResyncTriggering)? = nil,
                            metrics: ControllerMetrics? = ControllerMetrics(),
                            meshConfigs: MeshConfigBook? = nil,
                            cluster: ClusterView? = nil,
                            queue: ((EventJournal) -> WorkQueue)? = nil) async throws -> (Router, EventJournal) {
        let journal = try EventJournal.inMemory(logger: Logger(label: "test"))
        let ingest = EventIngestHandler(
            authenticator: WebhookAuthenticator(apiKeyHeader: "x-api-key", apiKey: "k-0123456789abcdef", basicUsername: nil, basicPassword: nil),
            allowList: ClusterAllowList([]), sink: journal, retryAfterSeconds: 1, logger: Logger(label: "test"))
        let posted = await ingest.handle(HTTPRequest(method: .post, path: "/v1/events",
                                                     headers: ["x-api-key": "k-0123456789abcdef", "Content-Type": "application/json"],
                                                     body: try Fixtures.running))
        #expect(posted.status == 202)
        var router = Router()
        AdminAPI(journal: journal, queue: queue?(journal), resync: resync, metrics: metrics, health: DependencyHealth(),
                 authenticator: AdminAuthenticator(token: token), startedAt: Date(), meshConfigs: meshConfigs,
                 cluster: cluster ?? ClusterView(leadership: .standalone(replicaID: "solo"), address: "127.0.0.1:8081"),
                 logger: Logger(label: "test"))
            .register(into: &router)
        return (router, journal)
    }

    private func request(_ method: HTTPMethod = .get, _ path: String, query: String? = nil,
                         token: String? = token) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return HTTPRequest(method: method, path: path, query: query, headers: headers)
    }

    private func json(_ response: HTTPResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    private static var taskID: String { String(Fixtures.taskArn.split(separator: "/").last!) }

    /// Without the bearer token every admin endpoint answers 401 problem+json with a Bearer challenge.
    @Test func adminRoutes_whenNoToken_answer401() async throws {
        // Given
        let (router, _) = try await makeRouter()
        for (method, path) in [(HTTPMethod.get, "/v1/status"), (.get, "/v1/tasks"), (.get, "/metrics"),
                               (.post, "/v1/resync"), (.post, "/v1/work/retry"), (.get, "/v1/journal")] {
            // When
            let response = await router.handle(request(method, path, token: nil))
            // Then
            #expect(response.status == 401, "\(path)")
            #expect(response.headers["Content-Type"] == HTTPResponse.problemContentType)
            #expect(response.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        }
    }

    /// A wrong token of the same length is refused like no token.
    @Test func status_whenWrongToken_answers401() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/status", token: "admin-test-token-0123456780"))
        // Then
        #expect(response.status == 401)
    }

    /// Without a configured token the admin API stays closed: 503 naming the key to set.
    @Test func status_whenNoTokenConfigured_answers503() async throws {
        let (router, _) = try await makeRouter(token: nil)
        // When
        let response = await router.handle(request(.get, "/v1/status", token: "anything-at-all-here"))
        // Then
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("admin.token"))
    }

    /// The status shows the journal sequence, the work keys by state and the last event's age.
    @Test func status_whenAuthorized_reportsJournalAndWork() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/status"))
        // Then
        #expect(response.status == 200)
        let body = try json(response)
        let journal = try #require(body["journal"] as? [String: Any])
        #expect(journal["sequence"] as? Int == 1)
        #expect(journal["lastEventAgeSeconds"] is Double || journal["lastEventAgeSeconds"] is Int)
        let keys = try #require((body["work"] as? [String: Any])?["keys"] as? [String: Int])
        #expect(keys["pending"] == 1)
        #expect(body["resyncAvailable"] as? Bool == false)
    }

    /// The status says whether the journal's writes work.
    @Test func status_whenJournalHealthy_reportsWritesHealthy() async throws {
        let (router, _) = try await makeRouter()
        // When
        let body = try json(await router.handle(request(.get, "/v1/status")))
        // Then
        let journal = try #require(body["journal"] as? [String: Any])
        #expect(journal["writes"] as? String == "healthy")
        #expect(journal["writeError"] == nil)
    }

    /// `?pretty` indents the JSON.
    @Test func status_whenPretty_indents() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/status", query: "pretty"))
        // Then
        #expect(String(decoding: response.body, as: UTF8.self).contains("\n  \""))
    }

    /// Lists paginate: a full page carries `next`, and the cursor continues after it.
    @Test func tasks_whenLimitReached_returnsNextCursor() async throws {
        // Given
        let (router, journal) = try await makeRouter()
        _ = try await journal.append(try EventDecoder().decode(try Fixtures.event(taskID: "aaaa0000000000000000000000000001", version: 1)),
                                     receivedAt: Date())
        // When
        let first = try json(await router.handle(request(.get, "/v1/tasks", query: "limit=1")))
        let cursor = try #require(first["next"] as? String)
        let second = try json(await router.handle(request(.get, "/v1/tasks", query: "limit=1&cursor=\(cursor)")))
        // Then
        let firstItems = try #require(first["items"] as? [[String: Any]])
        let secondItems = try #require(second["items"] as? [[String: Any]])
        #expect(firstItems.count == 1 && secondItems.count == 1)
        #expect(firstItems[0]["taskArn"] as? String != secondItems[0]["taskArn"] as? String)
    }

    /// Filters narrow the list; an unknown status matches nothing.
    @Test func tasks_whenFilteredByStatus_listsOnlyMatches() async throws {
        let (router, _) = try await makeRouter()
        // When
        let running = try json(await router.handle(request(.get, "/v1/tasks", query: "status=RUNNING")))
        let stopped = try json(await router.handle(request(.get, "/v1/tasks", query: "status=STOPPED")))
        // Then
        #expect((running["items"] as? [Any])?.count == 1)
        #expect((stopped["items"] as? [Any])?.count == 0)
        #expect(stopped["next"] == nil)
    }

    /// Bad query values are 400 problems naming the parameter, never 500.
    @Test func lists_whenBadParameters_answer400() async throws {
        let (router, _) = try await makeRouter()
        for (path, query) in [("/v1/tasks", "limit=0"), ("/v1/tasks", "cursor=%%%"), ("/v1/work", "state=bogus"),
                              ("/v1/journal", "after=-1"), ("/v1/services", "limit=abc")] {
            // When
            let response = await router.handle(request(.get, path, query: query))
            // Then
            #expect(response.status == 400, "\(path)?\(query)")
            #expect(response.headers["Content-Type"] == HTTPResponse.problemContentType)
        }
    }

    /// One task shows its folded state, desired state, work state and its journal entries.
    @Test func task_whenKnown_showsStateWorkAndJournal() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/tasks/\(Self.taskID)"))
        // Then
        #expect(response.status == 200)
        let body = try json(response)
        let task = try #require(body["task"] as? [String: Any])
        #expect(task["lastStatus"] as? String == "RUNNING")
        #expect(task["desiredState"] as? String == "unknown")
        #expect((body["work"] as? [String: Any])?["state"] as? String == "pending")
        #expect((body["journal"] as? [[String: Any]])?.first?["outcome"] as? String == "applied")
    }

    /// The task's view carries `meshConfig`: the source, and the field of a config that cannot be used.
    @Test func task_whenMeshConfigResolved_showsSourceAndError() async throws {
        // Given the registration worker found an invalid CONSUL_ECS_CONFIG_JSON for the task
        let book = MeshConfigBook()
        book.record(MeshConfigStatus(source: "consul-ecs-config", hasConsulECSConfig: true, container: "consul-ecs-mesh-init",
                                     error: ConsulECSConfigError(field: "proxy.upstreams[0].localBindPort", reason: "is required")),
                    taskArn: Fixtures.taskArn, definitionArn: nil, logger: Logger(label: "test"))
        let (router, _) = try await makeRouter(meshConfigs: book)
        // When
        let response = await router.handle(request(.get, "/v1/tasks/\(Self.taskID)"))
        // Then
        let meshConfig = try #require(try json(response)["meshConfig"] as? [String: Any])
        #expect(meshConfig["source"] as? String == "consul-ecs-config")
        #expect(meshConfig["hasConsulECSConfig"] as? Bool == true)
        #expect((meshConfig["warnings"] as? [Any])?.isEmpty == true)
        #expect((meshConfig["error"] as? [String: Any])?["field"] as? String == "proxy.upstreams[0].localBindPort")
    }

    /// An unknown task ID is a 404 problem.
    @Test func task_whenUnknown_answers404() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/tasks/nope"))
        // Then
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"] == HTTPResponse.problemContentType)
    }

    /// Echoed client input is printable ASCII, so no charset guess can misread the problem document.
    @Test func task_whenUnknownIDIsNotASCII_echoesItEscaped() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/v1/tasks/\u{C1}^\u{87}\""))
        // Then
        #expect(response.status == 404)
        #expect(response.body.allSatisfy { $0 < 0x80 })
        #expect(String(decoding: response.body, as: UTF8.self).contains(#"\\u{c1}^\\u{87}\\u{22}"#))
    }

    /// A short key (`task:<id>`) resolves to the stored key; without a queue the retry is journaled;
    /// the answer names the key in both forms.
    @Test func retry_whenShortKey_marksKeyPending() async throws {
        let (router, journal) = try await makeRouter()
        // When
        let response = await router.handle(request(.post, "/v1/work/task:\(Self.taskID)/retry"))
        // Then
        #expect(response.status == 202)
        let body = try json(response)
        #expect(body["retried"] as? [String] == ["task:" + Fixtures.taskArn])
        #expect(body["shortKeys"] as? [String] == ["task:\(Self.taskID)"])
        #expect(body["scheduled"] as? Bool == false)
        #expect(try await journal.workItem(key: "task:" + Fixtures.taskArn)?.generation == 2)
    }

    /// Retrying all failed work needs `state=failed`; an unknown key is 404.
    @Test func retry_whenBadSelector_answers4xx() async throws {
        let (router, _) = try await makeRouter()
        // When
        let noState = await router.handle(request(.post, "/v1/work/retry"))
        let allFailed = await router.handle(request(.post, "/v1/work/retry", query: "state=failed"))
        let unknown = await router.handle(request(.post, "/v1/work/task:unknown/retry"))
        // Then
        #expect(noState.status == 400)
        #expect(allFailed.status == 202)
        #expect(unknown.status == 404)
    }

    /// A work item shows its attempts, its last error with that error's class, and its next retry.
    @Test func work_whenKeyFailed_showsAttemptsErrorClassAndNextRetry() async throws {
        // Given a task key that failed transiently and backs off until a known time
        let (router, journal) = try await makeRouter()
        let key = "task:" + Fixtures.taskArn
        let retryAt = Date(timeIntervalSince1970: 1_900_000_000)
        try await journal.recordAttempt(key: key, generation: 1, succeeded: false, error: "Consul unavailable",
                                        errorClass: .transient, parked: false, notBefore: retryAt)
        // When
        let response = await router.handle(request(.get, "/v1/work", query: "state=pending"))
        // Then
        #expect(response.status == 200)
        let item = try #require((try json(response)["items"] as? [[String: Any]])?.first)
        #expect(item["key"] as? String == key)
        #expect(item["attempts"] as? Int == 1)
        #expect(item["lastError"] as? String == "Consul unavailable")
        #expect(item["lastErrorClass"] as? String == "transient")
        #expect((item["notBefore"] as? String)?.hasPrefix("2030-03-17") == true)
    }

    /// Without a resync trigger `POST /v1/resync` is 503; with one it is 202 with the sweep number.
    @Test func resync_whenTriggerWiredOrNot_answers202Or503() async throws {
        let (without, _) = try await makeRouter()
        let (with, _) = try await makeRouter(resync: FixedResync())
        // When
        let unavailable = await without.handle(request(.post, "/v1/resync"))
        let accepted = await with.handle(request(.post, "/v1/resync"))
        // Then
        #expect(unavailable.status == 503)
        #expect(accepted.status == 202)
        #expect(try json(accepted)["sweep"] as? Int == 7)
        #expect(try json(accepted)["runsOn"] as? String == "solo")
    }

    /// A follower accepts a sweep for the leader: it marks the `resync` work key in the shared
    /// journal (the leader's queue runs it), answers 202 naming the leader, and runs no sweep itself.
    @Test func resync_whenFollower_marksResyncKeyForLeaderAndAnswers202() async throws {
        // Given: a replica that follows "other" in epoch 5
        let guardian = LeadershipGuard(replicaID: "me", clock: LeaseClock(), store: nil)
        var lease = LeaseState(configuration: try LeaseConfiguration(replicaID: "me"))
        _ = lease.renewalAnswered(LeaseRecord(holder: "other", epoch: 5), sentAt: .zero, now: .zero)
        guardian.update(lease)
        let resync = CountingResync()
        let (router, journal) = try await makeRouter(resync: resync, cluster: ClusterView(leadership: guardian))
        // When
        let accepted = await router.handle(request(.post, "/v1/resync"))
        let status = try json(await router.handle(request(.get, "/v1/status")))
        // Then
        #expect(accepted.status == 202)
        let body = try json(accepted)
        #expect(body["runsOn"] as? String == "other")
        #expect(body["workKey"] as? String == "resync")
        #expect(body["sweep"] == nil)
        #expect(try await journal.workItem(key: "resync")?.state == .pending)
        #expect(await resync.requests == 0)
        #expect(status["role"] as? String == "follower")
        #expect(status["leaderId"] as? String == "other")
        #expect(status["epoch"] as? Int == 5)
        #expect(status["replicaId"] as? String == "me")
    }

    /// A follower's retries and resync requests mark their keys in the journal unfenced, as ingest
    /// does: its queue's marks carry the leader's fence, which a follower's guard refuses.
    @Test func retryAndResync_whenFollowerWithFencedQueue_marksKeysUnfenced() async throws {
        // Given: a follower whose queue records through the fenced journal, as the app wires it
        let guardian = LeadershipGuard(replicaID: "me", clock: LeaseClock(), store: nil)
        var lease = LeaseState(configuration: try LeaseConfiguration(replicaID: "me"))
        _ = lease.renewalAnswered(LeaseRecord(holder: "other", epoch: 5), sentAt: .zero, now: .zero)
        guardian.update(lease)
        let (router, journal) = try await makeRouter(resync: CountingResync(), cluster: ClusterView(leadership: guardian)) {
            WorkQueue(store: JournalWorkStore(journal: FencedJournal($0, fence: guardian), fence: guardian),
                      reconciler: WorkTestReconciler(), logger: Logger(label: "test"))
        }
        let key = "task:" + Fixtures.taskArn
        let before = try #require(try await journal.workItem(key: key)).generation
        // When
        let retried = await router.handle(request(.post, "/v1/work/retry", query: "key=\(key)"))
        let resync = await router.handle(request(.post, "/v1/resync"))
        // Then: both marked (the retried key in a newer generation)
        #expect(retried.status == 202)
        #expect(resync.status == 202)
        #expect(try await journal.workItem(key: key)?.generation ?? 0 > before)
        #expect(try await journal.workItem(key: "resync")?.state == .pending)
    }

    /// A single process is the leader in epoch 1 and lists itself as the only replica.
    @Test func status_whenStandalone_reportsLeaderEpochOneAndItself() async throws {
        let (router, _) = try await makeRouter()
        // When
        let body = try json(await router.handle(request(.get, "/v1/status")))
        // Then
        #expect(body["role"] as? String == "leader")
        #expect(body["replicaId"] as? String == "solo" && body["leaderId"] as? String == "solo")
        #expect(body["epoch"] as? Int == 1)
        let replicas = try #require(body["replicas"] as? [[String: Any]])
        #expect(replicas.count == 1)
        #expect(replicas.first?["replicaId"] as? String == "solo" && replicas.first?["role"] as? String == "leader")
        #expect(replicas.first?["address"] as? String == "127.0.0.1:8081")
    }

    /// The journal tail carries the event as received and pages by sequence.
    @Test func journal_whenAfterGiven_returnsLaterEntries() async throws {
        let (router, _) = try await makeRouter()
        // When
        let all = try json(await router.handle(request(.get, "/v1/journal", query: "after=0&limit=1")))
        let later = try json(await router.handle(request(.get, "/v1/journal", query: "after=1")))
        // Then
        let items = try #require(all["items"] as? [[String: Any]])
        #expect(items.first?["event"] as? String != nil)
        #expect(all["next"] as? Int == 1)
        #expect((later["items"] as? [Any])?.isEmpty == true)
    }

    /// `/metrics` renders the registry as Prometheus text with the scrape-time gauges.
    @Test func metrics_whenScraped_rendersWorkKeysAndEventAge() async throws {
        let (router, _) = try await makeRouter()
        // When
        let response = await router.handle(request(.get, "/metrics"))
        // Then
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(text.contains(#"mesh_work_keys{state="pending"} 1"#))
        #expect(text.contains("mesh_last_event_age_seconds"))
        #expect(text.contains("mesh_journal_sequence 1"))
    }
}

/// Counts the sweeps asked of it.
private actor CountingResync: ResyncTriggering {
    private(set) var requests = 0
    func requestResync(reason: String) async -> ResyncRequestOutcome {
        requests += 1
        return ResyncRequestOutcome(sweep: requests, coalesced: false)
    }
}

/// A resync trigger that always answers sweep 7.
private struct FixedResync: ResyncTriggering {
    func requestResync(reason: String) async -> ResyncRequestOutcome {
        ResyncRequestOutcome(sweep: 7, coalesced: false)
    }
}
