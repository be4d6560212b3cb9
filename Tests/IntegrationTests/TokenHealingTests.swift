import AsyncHTTPClient
import AWS
import Consul
import Foundation
import MeshModel
import MeshTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// Faults that take service tokens away, against the real executable, Consul 1.8 and moto: Consul
/// losing its state, a token deleted by hand, one service name run in two clusters, and a sweep
/// with nothing to repair. Each prints how long convergence took after the fault ended.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct TokenHealingTests {
    private static let adminToken = "token-healing-admin-\(UUID().uuidString)"

    /// A controller resyncing `clusters`, against `agent` (else the stack's Consul).
    private func controller(clusters: [String], prefix: String, agent: LocalConsulAgent? = nil, interval: String,
                            grace: String = "300", logLevel: String = "info") throws -> ControllerProcess {
        var environment = [
            "MESH_RESYNC_CLUSTERS": clusters.joined(separator: ","), "MESH_RESYNC_INTERVAL_SECONDS": interval,
            "MESH_SECRETS_PREFIX": prefix, "MESH_TOKEN_GRACE_SECONDS": grace, "MESH_LOG_LEVEL": logLevel,
            "MESH_ADMIN_TOKEN": Self.adminToken,
            "MESH_WORK_BACKOFF_BASE_MILLIS": "50", "MESH_WORK_BACKOFF_CAP_SECONDS": "1",
            // No sidecars run here: keep heartbeat expiry out of the catalog.
            "MESH_HEARTBEAT_TTL_SECONDS": "86400",
        ]
        if let agent {
            environment["CONSUL_HTTP_ADDR"] = agent.address
            environment["CONSUL_HTTP_TOKEN"] = agent.masterToken
        }
        return try ControllerProcess(extraEnvironment: environment)
    }

    private static func mesh(_ family: String, count: Int = 2) -> MotoECSFixture.ServiceSpec {
        .init(family: family, ports: [8080], count: count, tags: ["consul.hashicorp.com/mesh": "true"])
    }

    /// Whether the service's secret holds IDs whose token authenticates as that service.
    private func tokenWorks(_ probe: MeshWorldProbe, secret: String, service: String) async throws -> TokenSecret? {
        guard let ids = try await probe.secret(secret) else { return nil }
        let me = try await probe.tokenSelf(secret: ids.token)
        return me.accessorID == ids.accessorID && me.serviceIdentities.map(\.serviceName) == [service] ? ids : nil
    }

    /// Whether every task of `family` in `run` has its service and proxy on the cluster's node.
    private func registered(_ probe: MeshWorldProbe, _ run: MotoECSFixture.Result, family: String) async throws -> Bool {
        let arns = Set(try await probe.ourServices(clusterArn: run.clusterArn, service: family).compactMap { $0.meta["task-arn"] })
        let services = try await probe.ourServices(clusterArn: run.clusterArn, service: family)
        return services.count == 2 * run.tasks(of: family).count && arns == Set(run.tasks(of: family).map(\.taskArn))
    }

    private func requestResync(_ controller: ControllerProcess) async throws {
        var request = HTTPClientRequest(url: controller.adminURL + "/v1/resync")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(Self.adminToken)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 202 else { throw ProcessFailure("POST /v1/resync: \(response.status)") }
    }

    private static func report(_ fault: String, since start: ContinuousClock.Instant, after what: String = "recovery") {
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("fault \(fault): converged \(String(format: "%.1f", seconds)) s after \(what)")
    }

    /// Consul restarts with its state lost (no tokens, no node, no services, no checks). ONE resync
    /// brings back every live service's token with the IDs in its secret, and every registration.
    @Test(.timeLimit(.minutes(5)))
    func consulStateLost_oneResyncRestoresTokensWithTheirIDsAndRegistrations() async throws {
        // Given a private Consul, two mesh services with two tasks each, and a controller that
        // sweeps at start and on demand only (so the one sweep below is the only one)
        let agent = try await LocalConsulAgent.started()
        defer { agent.destroy() }
        let sfx = uniqueSuffix(), prefix = "hlost-\(sfx)"
        let families = ["hla\(sfx)", "hlb\(sfx)"]
        let run = try await MotoECSFixture.run(cluster: "hlost-\(sfx)", services: families.map { Self.mesh($0) })
        let controller = try controller(clusters: [run.clusterArn], prefix: prefix, agent: agent, interval: "0")
        let probe = try MeshWorldProbe(consulAddress: agent.address, consulToken: agent.masterToken)
        try await controller.start()
        var before: [String: TokenSecret] = [:]
        for family in families {
            let ready = await eventually(timeout: .seconds(90)) {
                before[family] = try await tokenWorks(probe, secret: "\(prefix)-\(family)", service: family)
                let done = try await registered(probe, run, family: family)
                return before[family] != nil && done
            }
            #expect(ready, "\(family) converged before the fault; \(controller.logTail(3000))")
        }
        // (the start-up sweep may log its end after its work converged: wait for it, so it is not counted below)
        #expect(await eventually { controller.logCount("Resync sweep finished") >= 1 }, "start-up sweep finished")

        // When Consul comes back empty, and one resync is asked for
        try await agent.restartWithStateLost()
        #expect(try await probe.nodeServices(clusterArn: run.clusterArn).isEmpty, "Consul lost its catalog")
        let lostToken = try #require(before[families[0]])
        await #expect(throws: ConsulError.self) { try await probe.tokenSelf(secret: lostToken.token) }
        let sweeps = controller.logCount("Resync sweep finished")
        let recovered = ContinuousClock.now
        try await requestResync(controller)

        // Then every token works again with the IDs its secret held, and every task is registered
        let healed = await eventually(timeout: .seconds(90)) {
            for family in families {
                guard try await tokenWorks(probe, secret: "\(prefix)-\(family)", service: family) == before[family],
                      try await registered(probe, run, family: family) else { return false }
            }
            return true
        }
        Self.report("consul-state-loss", since: recovered)
        #expect(healed, "tokens and registrations back; \(controller.logTail(4000))")
        // (the sweep's work can converge before the sweep logs its end: wait for that line, then count)
        #expect(await eventually { controller.logCount("Resync sweep finished") >= sweeps + 1 }, "the sweep finished")
        #expect(controller.logCount("Resync sweep finished") == sweeps + 1, "one sweep repaired everything")
        #expect(controller.terminate() == 0)
    }

    /// A token deleted by hand comes back at the next sweep, with the IDs its secret holds.
    @Test(.timeLimit(.minutes(3)))
    func tokenDeletedByHand_nextSweepCreatesItAgainWithTheSameIDs() async throws {
        // Given a mesh service whose token works, and a controller sweeping every second
        let sfx = uniqueSuffix(), prefix = "hdel-\(sfx)", family = "hdel\(sfx)"
        let run = try await MotoECSFixture.run(cluster: "hdel-\(sfx)", services: [Self.mesh(family)])
        let controller = try controller(clusters: [run.clusterArn], prefix: prefix, interval: "1")
        let probe = try MeshWorldProbe()
        try await controller.start()
        var ids: TokenSecret?
        let ready = await eventually(timeout: .seconds(90)) {
            ids = try await tokenWorks(probe, secret: "\(prefix)-\(family)", service: family)
            return ids != nil
        }
        #expect(ready, "token in place; \(controller.logTail(3000))")
        let expected = try #require(ids)

        // When an operator deletes it
        try await probe.consul.deleteToken(accessorID: expected.accessorID, logger: probe.logger)
        let deleted = ContinuousClock.now
        // (Not checked gone here: a sweep runs every second and may already be restoring it.)

        // Then it is back with the same IDs, and authenticates as the service
        let back = await eventually(timeout: .seconds(60)) {
            try await tokenWorks(probe, secret: "\(prefix)-\(family)", service: family) == expected
        }
        Self.report("token-deleted-by-hand", since: deleted)
        #expect(back, "token back; \(controller.logTail(3000))")
        #expect(controller.terminate() == 0)
    }

    /// One service name in two clusters, started at once from a Terraform-made `{}` secret: one
    /// token, one set of IDs. Stopping every task of one cluster never revokes it while the other
    /// cluster runs the service; stopping the other's too does, after the grace period.
    @Test(.timeLimit(.minutes(5)))
    func sameServiceInTwoClusters_fromEmptySecret_sharesOneTokenUntilNeitherRunsIt() async throws {
        // Given "{}" in the service's secret and the service running in two clusters
        let sfx = uniqueSuffix(), prefix = "htwo-\(sfx)", family = "htwo\(sfx)", secret = "\(prefix)-\(family)"
        let probe = try MeshWorldProbe()
        _ = try await probe.secrets.createSecret(name: secret, secretString: "{}",
                                                 clientRequestToken: UUID().uuidString, logger: probe.logger)
        let blue = try await MotoECSFixture.run(cluster: "htwoblue-\(sfx)", services: [Self.mesh(family)])
        let green = try await MotoECSFixture.run(cluster: "htwogreen-\(sfx)", services: [Self.mesh(family)])
        let clusters = [blue.clusterArn, green.clusterArn]

        // When one controller serving both starts (its first sweep finds both clusters at once)
        let controller = try controller(clusters: clusters, prefix: prefix, interval: "1", grace: "1")
        let started = ContinuousClock.now
        try await controller.start()

        // Then both clusters are registered, and exactly one token exists, with the secret's IDs
        let ready = await eventually(timeout: .seconds(90)) {
            let works = try await tokenWorks(probe, secret: secret, service: family) != nil
            let blueDone = try await registered(probe, blue, family: family)
            let greenDone = try await registered(probe, green, family: family)
            return works && blueDone && greenDone
        }
        Self.report("same-service-two-clusters", since: started, after: "start")
        #expect(ready, "both clusters converged; \(controller.logTail(4000))")
        let ids = try #require(try await probe.secret(secret))
        let tokens = try await serviceTokens(probe, family: family, clusters: clusters)
        #expect(tokens.map(\.accessorID) == [ids.accessorID], "one token, the secret's: \(tokens.map(\.accessorID))")

        // When every task of the blue cluster stops
        for task in blue.tasks { try await ResyncMoto.shared.stop(cluster: blue.clusterArn, taskArn: task.taskArn) }
        let drained = await eventually(timeout: .seconds(90)) {
            try await probe.ourServices(clusterArn: blue.clusterArn, service: family).isEmpty
        }
        #expect(drained, "blue deregistered; \(controller.logTail(3000))")
        // and several sweeps pass, each longer than the grace period
        let sweeps = controller.logCount("Resync sweep finished")
        #expect(await eventually(timeout: .seconds(30)) { controller.logCount("Resync sweep finished") >= sweeps + 3 })

        // Then the token stays, with the same IDs, and comes to name the cluster that still runs the
        // service (the service key repairs the description after blue's tasks are gone: wait for it)
        #expect(try await tokenWorks(probe, secret: secret, service: family) == ids)
        var kept: [ACLToken] = []
        let namesGreen = await eventually {
            kept = try await serviceTokens(probe, family: family, clusters: clusters)
            return kept.first?.description.hasSuffix(green.clusterArn) == true
        }
        #expect(namesGreen, "names green: \(kept.first?.description ?? "")")
        #expect(kept.map(\.accessorID) == [ids.accessorID])
        #expect(try await tokenWorks(probe, secret: secret, service: family) == ids)

        // When green's tasks stop too, then the token goes after the grace period; the secret keeps its IDs
        for task in green.tasks { try await ResyncMoto.shared.stop(cluster: green.clusterArn, taskArn: task.taskArn) }
        let revoked = await eventually(timeout: .seconds(90)) {
            try await probe.consul.token(accessorID: ids.accessorID, logger: probe.logger) == nil
        }
        #expect(revoked, "revoked once no cluster runs it; \(controller.logTail(3000))")
        #expect(try await probe.secret(secret) == ids)
        #expect(controller.terminate() == 0)
    }

    /// With nothing drifted, sweeps that check every token write nothing to Consul: neither the
    /// catalog's nor the ACL tokens' `X-Consul-Index` moves (a private Consul: nobody else writes).
    @Test(.timeLimit(.minutes(4)))
    func noDrift_sweepsCheckTokensAndWriteNothing() async throws {
        // Given a converged service on a private Consul, a sweep every second, debug logs
        let agent = try await LocalConsulAgent.started()
        defer { agent.destroy() }
        let sfx = uniqueSuffix(), prefix = "hquiet-\(sfx)", family = "hquiet\(sfx)"
        let run = try await MotoECSFixture.run(cluster: "hquiet-\(sfx)", services: [Self.mesh(family)])
        let controller = try controller(clusters: [run.clusterArn], prefix: prefix, agent: agent, interval: "1",
                                        logLevel: "debug")
        let probe = try MeshWorldProbe(consulAddress: agent.address, consulToken: agent.masterToken)
        try await controller.start()
        let ready = await eventually(timeout: .seconds(90)) {
            let works = try await tokenWorks(probe, secret: "\(prefix)-\(family)", service: family) != nil
            let done = try await registered(probe, run, family: family)
            return works && done
        }
        #expect(ready, "converged; \(controller.logTail(3000))")
        let settled = controller.logCount("Resync sweep finished")
        #expect(await eventually(timeout: .seconds(30)) { controller.logCount("Resync sweep finished") >= settled + 1 })

        // When three more sweeps run, each having the token checked
        let catalogBefore = try await consulIndex(agent, "/v1/catalog/services")
        let aclBefore = try await consulIndex(agent, "/v1/acl/tokens")
        let checksBefore = controller.logCount("Service token is in place")
        let start = controller.logCount("Resync sweep finished")
        #expect(await eventually(timeout: .seconds(30)) {
            controller.logCount("Resync sweep finished") >= start + 3
                && controller.logCount("Service token is in place") >= checksBefore + 2
        })

        // Then the token was checked, and neither index moved
        #expect(controller.logCount("Service token is in place") >= checksBefore + 2, "the sweeps checked the token")
        #expect(try await consulIndex(agent, "/v1/catalog/services") == catalogBefore)
        #expect(try await consulIndex(agent, "/v1/acl/tokens") == aclBefore)
        #expect(controller.terminate() == 0)
    }

    /// Our service tokens for the service `family` in any of `clusters`.
    private func serviceTokens(_ probe: MeshWorldProbe, family: String, clusters: [String]) async throws -> [ACLToken] {
        try await probe.consul.tokens(logger: probe.logger).value.filter { token in
            clusters.contains { ServiceTokenPlan.serviceName(fromTokenDescription: token.description, clusterArn: $0) == family }
        }
    }

    /// `X-Consul-Index` of a read of `path` on the agent.
    private func consulIndex(_ agent: LocalConsulAgent, _ path: String) async throws -> String {
        var request = HTTPClientRequest(url: agent.address + path)
        request.headers.add(name: "X-Consul-Token", value: agent.masterToken)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 8 << 20)
        guard let index = response.headers.first(name: "X-Consul-Index") else {
            throw ProcessFailure("no X-Consul-Index on \(path)")
        }
        return index
    }
}
