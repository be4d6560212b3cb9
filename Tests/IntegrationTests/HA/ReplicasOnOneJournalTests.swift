import AsyncHTTPClient
import Consul
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Three real `ecs-mesh-controller serve` processes on one PostgreSQL journal (the stack's server,
/// a database of their own), with the stack's Consul and moto: the focused checks of issue #14
/// items 2 and 3. (The storm-through-haproxy failover test is `FailoverTests`.)
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable && PostgresTestSchema.url != nil,
                "needs MESH_INTEGRATION=1, MESH_CONTROLLER_BIN and MESH_TEST_POSTGRES_URL (deploy/local/test.sh)"))
struct ReplicasOnOneJournalTests {
    static let adminToken = "replicas-admin-token-0123456789abcdef"

    /// `GET /v1/status`, the cluster part.
    struct Status: Decodable, Sendable {
        struct Replica: Decodable, Sendable {
            var replicaId: String
            var role: String
        }
        var replicaId: String
        var role: String
        var leaderId: String?
        var epoch: Int64?
        var replicas: [Replica]
    }

    /// Exactly one replica leads; an event posted to a follower reaches Consul through the leader
    /// (the rescan is an hour away, so only the journal's NOTIFY can bring it); a follower accepts
    /// a resync for the leader; the leader SIGKILLed is replaced within 15 s and later tasks are
    /// registered; the next leader SIGSTOPped past its lease is replaced, and once resumed reports
    /// follower within seconds and writes nothing.
    @Test(.timeLimit(.minutes(4)))
    func threeReplicas_oneLeader_followerIngest_killAndPauseFailover() async throws {
        let sfx = uniqueSuffix()
        let service = "rep-\(sfx)"
        let moto = try await MotoECSFixture.run(cluster: "rep-\(sfx)", services: [
            .init(family: service, ports: [8080], count: 3, tags: [
                "consul.hashicorp.com/mesh": "true", "consul.hashicorp.com/health-sync-containers": "app",
            ]),
        ])
        let tasks = moto.tasks(of: service)
        let database = try await PostgresTestSchema.makeDatabase()
        let replicas = try (1...3).map { index in
            try ControllerProcess(extraEnvironment: [
                "MESH_JOURNAL_BACKEND": "postgres", "MESH_JOURNAL_POSTGRES_URL": database.url,
                "MESH_ADMIN_TOKEN": Self.adminToken, "MESH_HA_REPLICA_ID": "rep-\(sfx)-\(index)",
                "MESH_HA_LEASE_SECONDS": "4", "MESH_HA_RENEW_SECONDS": "1",
                "MESH_WORK_RESCAN_SECONDS": "3600", "MESH_SECRETS_PREFIX": "rep-\(sfx)",
                // Sweeps of a cluster with no task: they prove the resync request arrived, and list nothing.
                "MESH_RESYNC_CLUSTERS": "arn:aws:ecs:us-east-1:123456789012:cluster/rep-empty-\(sfx)",
                "MESH_RESYNC_INTERVAL_SECONDS": "0", "MESH_LOG_LEVEL": "debug",
                // No expiry while the test looks at the steady state of heartbeats.
                "MESH_HEARTBEAT_TTL_SECONDS": "600",
            ])
        }
        do {
            try await Self.scenario(replicas: replicas, tasks: tasks, clusterArn: moto.clusterArn, service: service,
                                    secretName: "rep-\(sfx)-\(service)")
        } catch {
            for replica in replicas { replica.terminate() }
            await database.drop()
            throw error
        }
        for replica in replicas { replica.terminate() }
        await database.drop()
    }

    private static func scenario(replicas: [ControllerProcess], tasks: [MotoECSFixture.MotoTask], clusterArn: String,
                                 service: String, secretName: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas { group.addTask { try await replica.start(timeout: .seconds(120)) } }
            try await group.waitForAll()
        }
        let probe = try MeshWorldProbe()
        let all = Array(replicas.indices)

        // Exactly one leader; every replica names it, in the same epoch, and lists all three
        let first = try #require(await agreedLeader(replicas, among: all, above: 0, timeout: .seconds(60)),
                                 "the replicas did not agree on one leader")
        let followers = all.filter { $0 != first.index }

        // An event posted to a follower reaches Consul through the leader
        #expect(try await replicas[followers[0]].postEvent(running(tasks[0], clusterArn)).status == 202)
        #expect(await registered(tasks[0], service: service, probe: probe), "a follower's event did not reach Consul")
        let heartbeats = try await ReplicaHeartbeats(task: tasks[0], service: service, secretName: secretName, probe: probe)
        try await heartbeatsOnFollowers(replicas, followers: followers, heartbeats: heartbeats)

        // A follower accepts a resync for the leader, which runs it
        let resync = try await admin(replicas[followers[1]], .POST, "/v1/resync")
        #expect(resync.status == 202 && resync.body.contains("\"workKey\":\"resync\""), "\(resync.body)")
        #expect(await eventually(timeout: .seconds(30)) {
            replicas[first.index].logCount("Resync asked through the journal") >= 1
        }, "the leader did not run the follower's resync request")

        // When the leader is SIGKILLed: another leads within 15 s, and a task started after the kill is registered
        replicas[first.index].kill()
        let killedAt = ContinuousClock.now
        let second = try #require(await agreedLeader(replicas, among: followers, above: first.epoch, timeout: .seconds(15)),
                                  "no new leader within 15 s of the kill")
        let killFailover = ContinuousClock.now - killedAt
        let metrics = try await admin(replicas[second.index], .GET, "/metrics").body
        #expect(metrics.contains("mesh_leader_changes_total") && metrics.contains("mesh_lease_renewals_total{"),
                "the new leader's metrics show no leadership change or lease renewal")
        let survivor = try #require(followers.first { $0 != second.index })
        #expect(try await replicas[survivor].postEvent(running(tasks[1], clusterArn)).status == 202)
        #expect(await registered(tasks[1], service: service, probe: probe), "a task started after the kill is not registered")
        // (this leader writes the check critical; the next one passing, and this one must not trust it later)
        let critical = try await heartbeats.reaches("UNHEALTHY", via: replicas[survivor])
        #expect(critical == nil, "a follower's heartbeat in the second term did not reach Consul: \(critical ?? "")")

        // When that leader is SIGSTOPped past its lease: the last replica leads, and registers a new task
        let paused = replicas[second.index]
        paused.pause()
        let pausedAt = ContinuousClock.now
        let third = try #require(await agreedLeader(replicas, among: [survivor], above: second.epoch, timeout: .seconds(30)),
                                 "no new leader while the leader was paused")
        let pauseFailover = ContinuousClock.now - pausedAt
        #expect(try await replicas[third.index].postEvent(running(tasks[2], clusterArn)).status == 202)
        #expect(await registered(tasks[2], service: service, probe: probe), "a task started during the pause is not registered")
        let passing = try await heartbeats.reaches("HEALTHY", via: replicas[third.index])
        #expect(passing == nil, "a heartbeat in the third term did not reach Consul: \(passing ?? "")")

        // Then, resumed, it reports follower within seconds, naming the current leader, and wrote nothing
        let resumedLog = paused.logSize
        paused.resume()
        let resumedAt = ContinuousClock.now
        let steppedDown = await eventually(timeout: .seconds(10), interval: .milliseconds(100)) {
            let status = try await status(of: paused)
            return status.role == "follower" && status.leaderId == third.id && status.epoch == third.epoch
        }
        let stepDown = ContinuousClock.now - resumedAt
        #expect(steppedDown, "the resumed old leader does not follow the current term: \(paused.logTail())")
        print("replicas (lease 4 s, renew 1 s): new leader \(killFailover) after the kill, \(pauseFailover) after the pause;"
              + " the resumed one followed after \(stepDown)")
        let sinceResume = paused.log(since: resumedLog).components(separatedBy: "This replica leads")[0]
        let acted = ResumedLeaderLog.actedAfterResume(sinceResume, elapsed: ContinuousClock.now - resumedAt)
        #expect(acted.isEmpty, "the resumed old leader acted: \(acted)\n\(sinceResume.suffix(3000))")
        #expect(replicas[third.index].logCount("Registered task in the catalog") >= 1,
                "the current leader's log shows no registration: the check above would pass vacuously")

        // When an operator deletes the service's token while the current leader leads (it checked
        // the token in its term, so it does not look again), and that leader is SIGKILLed: the
        // resumed one leads again; a heartbeat that brings back the health it wrote in its earlier
        // term reaches Consul, and it re-creates the token (both changed by others since)
        let accessor = try await deleteTokenByHand(secretName: secretName, checkedBy: replicas[third.index], probe: probe)
        replicas[third.index].kill()
        _ = try #require(await agreedLeader(replicas, among: [second.index], above: third.epoch, timeout: .seconds(30)),
                         "the resumed replica did not lead after the last leader's kill")
        let again = try await heartbeats.reaches("UNHEALTHY", via: paused)
        #expect(again == nil, "a leader in its second term trusted what it wrote in its first: \(again ?? "")")
        #expect(await eventually(timeout: .seconds(30)) {
            try await probe.consul.token(accessorID: accessor, logger: probe.logger) != nil
        }, "a leader in its second term trusted the token it verified in its first: \(paused.logTail())")
    }

    /// Deletes the service's token in Consul once `leader` has checked it in its term (later runs
    /// of the service's key in that term skip the check), and confirms it stays deleted.
    /// - Returns: The token's accessor ID.
    private static func deleteTokenByHand(secretName: String, checkedBy leader: ControllerProcess,
                                          probe: MeshWorldProbe) async throws -> String {
        #expect(await eventually(timeout: .seconds(30)) { leader.logCount("Service token is in place") >= 1 },
                "the leader did not check the service's token in its term")
        let ids = try #require(try await probe.secret(secretName))
        try await probe.consul.deleteToken(accessorID: ids.accessorID, logger: probe.logger)
        // The re-creation checked later is the next leader's: this one does not look again.
        #expect(try await probe.consul.token(accessorID: ids.accessorID, logger: probe.logger) == nil)
        return ids.accessorID
    }

    /// Heartbeats that change a task's health on a follower reach Consul through the leader (the
    /// follower journals the transition; only the journal's NOTIFY wakes the leader): the first one
    /// (UNHEALTHY), then HEALTHY on the other follower, which had not heard the task. Then identical
    /// heartbeats on every replica journal no transition and leave every check's ModifyIndex as it was.
    private static func heartbeatsOnFollowers(_ replicas: [ControllerProcess], followers: [Int],
                                              heartbeats: ReplicaHeartbeats) async throws {
        let unhealthy = try await heartbeats.reaches("UNHEALTHY", via: replicas[followers[0]])
        #expect(unhealthy == nil, "a follower's first heartbeat did not reach Consul: \(unhealthy ?? "")")
        let healthy = try await heartbeats.reaches("HEALTHY", via: replicas[followers[1]])
        #expect(healthy == nil, "the other follower's heartbeat did not reach Consul: \(healthy ?? "")")

        let before = try #require(try await heartbeats.instance())
        for _ in 0..<3 {
            for replica in replicas {
                let answer = try await heartbeats.post("HEALTHY", to: replica)
                #expect(answer.status == 200 && answer.body.contains(#""transitions":0"#), "\(answer.body)")
            }
        }
        let after = try await heartbeats.instance()
        #expect(after?.checks.map(\.modifyIndex) == before.checks.map(\.modifyIndex), "identical heartbeats wrote to Consul")
    }

    /// The leader's index, ID and epoch once exactly one of `candidates` leads in an epoch above
    /// `epoch` and every other candidate names it as leader in that epoch.
    private static func agreedLeader(_ replicas: [ControllerProcess], among candidates: [Int], above epoch: Int64?,
                                     timeout: Duration) async -> (index: Int, id: String, epoch: Int64?)? {
        var found: (index: Int, id: String, epoch: Int64?)?
        _ = await eventually(timeout: timeout, interval: .milliseconds(100)) {
            var statuses: [(Int, Status)] = []
            for index in candidates { statuses.append((index, try await status(of: replicas[index]))) }
            let leaders = statuses.filter { $0.1.role == "leader" && ($0.1.epoch ?? 0) > (epoch ?? 0) }
            guard leaders.count == 1, let (index, leader) = leaders.first else { return false }
            let agreed = statuses.allSatisfy { $0.1.leaderId == leader.replicaId && $0.1.epoch == leader.epoch }
            let listed = Set(leader.replicas.map(\.replicaId)).isSuperset(of: statuses.map(\.1.replicaId))
            found = agreed && listed ? (index, leader.replicaId, leader.epoch) : nil
            return found != nil
        }
        return found
    }

    private static func registered(_ task: MotoECSFixture.MotoTask, service: String, probe: MeshWorldProbe) async -> Bool {
        await eventually(timeout: .seconds(30), interval: .milliseconds(100)) {
            try await probe.instances(service).contains { $0.service.id.contains(task.taskID) }
        }
    }

    private static func running(_ task: MotoECSFixture.MotoTask, _ clusterArn: String) -> [UInt8] {
        MeshEventBuilder.body([MeshEventBuilder.event(task, clusterArn: clusterArn, version: 3, lastStatus: "RUNNING")])
    }

    private static func status(of replica: ControllerProcess) async throws -> Status {
        let answer = try await admin(replica, .GET, "/v1/status")
        guard answer.status == 200 else { throw ProcessFailure("GET /v1/status: HTTP \(answer.status)") }
        return try JSONDecoder().decode(Status.self, from: Data(answer.body.utf8))
    }

    private static func admin(_ replica: ControllerProcess, _ method: HTTPMethod,
                              _ path: String) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: replica.adminURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }
}
