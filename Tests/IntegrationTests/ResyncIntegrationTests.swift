import Consul
import Foundation
import Logging
import MeshModel
import MeshTestSupport
import Testing

/// Resync against the real executable, real Consul 1.8 and moto: no events are sent at all, so
/// everything the catalog shows came from sweeps.
@Suite(.enabled(if: integrationEnabled && ControllerProcess.isAvailable,
                "needs MESH_INTEGRATION=1 and MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct ResyncIntegrationTests {
    private func controller(cluster: String, sfx: String, interval: String = "1",
                            extra: [String: String] = [:]) throws -> ControllerProcess {
        try ControllerProcess(extraEnvironment: [
            "MESH_RESYNC_CLUSTERS": cluster, "MESH_RESYNC_INTERVAL_SECONDS": interval,
            "MESH_SECRETS_PREFIX": "rs-\(sfx)", "MESH_LOG_LEVEL": "info",
            "MESH_WORK_BACKOFF_BASE_MILLIS": "50", "MESH_WORK_BACKOFF_CAP_SECONDS": "1",
            // Keep heartbeat expiry out of the catalog-index measurement: no sidecars run here.
            "MESH_HEARTBEAT_TTL_SECONDS": "86400",
        ].merging(extra) { _, new in new })
    }

    private func ourServices(_ probe: MeshWorldProbe, cluster: String, family: String) async throws -> [CatalogService] {
        try await probe.ourServices(clusterArn: cluster, service: family)
    }

    /// Two mesh tasks run in moto and a started controller that registered both (service and proxy each).
    private func registeredPair(_ name: String, interval: String) async throws
        -> (run: ResyncMoto.Run, family: String, controller: ControllerProcess, probe: MeshWorldProbe) {
        let sfx = uniqueSuffix()
        let family = "\(name)\(sfx)"
        let run = try await ResyncMoto.shared.run(cluster: "\(name)-\(sfx)", family: family, count: 2)
        let controller = try controller(cluster: run.clusterArn, sfx: sfx, interval: interval)
        let probe = try MeshWorldProbe()
        try await controller.start()
        #expect(await eventually(timeout: .seconds(60)) {
            try await ourServices(probe, cluster: run.clusterArn, family: family).count == 4
        }, "registered; \(controller.logTail(2000))")
        return (run, family, controller, probe)
    }

    private func sweepsFinished(_ controller: ControllerProcess) -> Int {
        controller.logCount("Resync sweep finished")
    }

    /// Tasks started in ECS with no event sent are registered by a sweep, and later sweeps with no
    /// drift leave the service's catalog index where it was.
    @Test(.timeLimit(.minutes(3)))
    func resync_whenMeshTasksRunWithoutEvents_registersThemAndLaterSweepsWriteNothing() async throws {
        // Given two running mesh tasks nobody told the controller about
        let sfx = uniqueSuffix()
        let family = "rsnew\(sfx)"
        let run = try await ResyncMoto.shared.run(cluster: "rsnew-\(sfx)", family: family, count: 2)
        let controller = try controller(cluster: run.clusterArn, sfx: sfx)
        let probe = try MeshWorldProbe()
        // When the controller starts (its start-up sweep)
        try await controller.start()
        // Then both tasks and their proxies are registered
        let registered = await eventually(timeout: .seconds(60)) {
            try await ourServices(probe, cluster: run.clusterArn, family: family).count == 4
        }
        #expect(registered, "4 registrations; \(controller.logTail(2000))")
        let ids = Set(try await ourServices(probe, cluster: run.clusterArn, family: family).compactMap { $0.meta["task-arn"] })
        #expect(ids == Set(run.tasks.map(\.taskArn)))

        // And two more sweeps with nothing to repair do not move the service's index
        let settled = sweepsFinished(controller)
        #expect(await eventually(timeout: .seconds(30)) { sweepsFinished(controller) >= settled + 1 })
        let before = try await probe.consul.serviceHealth(family, passingOnly: false, logger: probe.logger).index
        let start = sweepsFinished(controller)
        #expect(await eventually(timeout: .seconds(30)) { sweepsFinished(controller) >= start + 2 })
        let after = try await probe.consul.serviceHealth(family, passingOnly: false, logger: probe.logger).index
        #expect(before != nil && before == after, "index moved \(before ?? 0) → \(after ?? 0)")
        #expect(controller.terminate() == 0)
    }

    /// Tasks that vanish from ECS are drained (checks critical) and then deregistered; a service on
    /// the node that another tool registered survives every sweep.
    @Test(.timeLimit(.minutes(3)))
    func resync_whenTasksVanishFromECS_drainsThenDeregistersAndSparesForeignServices() async throws {
        // Given a private moto (it will be wiped) with two registered mesh tasks, and a foreign service
        let moto = try await PrivateMotoServer()
        let aws = ResyncMoto(endpoint: moto.endpoint)
        let sfx = uniqueSuffix()
        let family = "rsgone\(sfx)", clusterName = "rsgone-\(sfx)"
        let run = try await aws.run(cluster: clusterName, family: family, count: 2)
        // (a sweep every 4 s: the drained state lasts from one sweep to the next, and the poll below
        // must see it between them even when one poll of Consul takes a second on a loaded machine)
        let controller = try controller(cluster: run.clusterArn, sfx: sfx, interval: "4",
                                        extra: ["AWS_ENDPOINT_URL": moto.endpoint])
        let probe = try MeshWorldProbe()
        try await controller.start()
        #expect(await eventually(timeout: .seconds(60)) {
            try await ourServices(probe, cluster: run.clusterArn, family: family).count == 4
        }, "registered; \(controller.logTail(2000))")
        let foreignID = "legacy-\(sfx)"
        try await probe.consul.register(CatalogRegistration(
            node: run.clusterArn, address: "10.9.9.9",
            service: CatalogService(id: foreignID, name: foreignID, address: "10.9.9.9", port: 9000,
                                           meta: ["source": "consul-ecs", "task-id": "not-ours"])
        ), logger: probe.logger)

        // When ECS forgets both tasks (no event, no STOPPED listing)
        try await aws.forgetEverything(recreating: clusterName)

        // Then their checks first go critical (drained) while the registrations stay
        let drained = await eventually(timeout: .seconds(60), interval: .milliseconds(25)) {
            let instances = try await probe.instances(family)
            return instances.count == 2 && instances.allSatisfy { instance in
                instance.checks.filter { !$0.checkID.hasPrefix("serf") }.allSatisfy {
                    $0.status == .critical && $0.output.contains("desiredStatus STOPPED")
                }
            }
        }
        #expect(drained, "drained before deregistration; \(controller.logTail(2000))")
        // And then they are deregistered
        let gone = await eventually(timeout: .seconds(60)) {
            try await ourServices(probe, cluster: run.clusterArn, family: family).isEmpty
        }
        #expect(gone, "deregistered; \(controller.logTail(2000))")
        // And the foreign service is still there
        #expect(try await probe.nodeServices(clusterArn: run.clusterArn).contains { $0.id == foreignID })
        try await probe.consul.deregister(.service(foreignID, node: run.clusterArn), logger: probe.logger)
        #expect(controller.terminate() == 0)
    }

    /// A controller that was down while a task stopped (the event never came) converges after a restart.
    @Test(.timeLimit(.minutes(3)))
    func resync_whenRestartedAfterMissedStopEvent_converges() async throws {
        // Given a registered pair of tasks and a controller that is then killed
        let (run, family, controller, probe) = try await registeredPair("rsrestart", interval: "0")
        controller.kill()

        // When one task stops while it is down, and it restarts (start-up sweep only: interval 0)
        let stopped = run.tasks[0].taskArn
        try await ResyncMoto.shared.stop(cluster: run.clusterArn, taskArn: stopped)
        try await controller.start()

        // Then the stopped task's registrations are gone and the other's remain
        let converged = await eventually(timeout: .seconds(60)) {
            let arns = try await ourServices(probe, cluster: run.clusterArn, family: family).compactMap { $0.meta["task-arn"] }
            return arns.count == 2 && !arns.contains(stopped)
        }
        #expect(converged, "converged; \(controller.logTail(2000))")
        #expect(controller.terminate() == 0)
    }

    /// Registrations deleted by hand in Consul come back at the next sweep: a whole task's service and
    /// proxy, and another task's proxy alone.
    @Test(.timeLimit(.minutes(3)))
    func resync_whenRegistrationsDeletedByHand_registersThemAgain() async throws {
        // Given two registered mesh tasks, their work done
        let (run, family, controller, probe) = try await registeredPair("rsheal", interval: "1")
        let registered = try await ourServices(probe, cluster: run.clusterArn, family: family)
        let before = Set(registered.map(\.id))

        // When an operator deletes one task's service and proxy, and the other task's proxy
        let first = run.tasks[0].taskArn, second = run.tasks[1].taskArn
        let deleted = registered.filter {
            $0.meta["task-arn"] == first || ($0.meta["task-arn"] == second && $0.kind == .connectProxy)
        }
        #expect(deleted.count == 3)
        for service in deleted {
            try await probe.consul.deregister(.service(service.id, node: run.clusterArn), logger: probe.logger)
        }
        // (Not counted here: a sweep runs every second and may already be restoring them.)

        // Then a later sweep registers all three again, with the same IDs
        let healed = await eventually(timeout: .seconds(60)) {
            Set(try await ourServices(probe, cluster: run.clusterArn, family: family).map(\.id)) == before
        }
        #expect(healed, "registered again; \(controller.logTail(3000))")
        #expect(controller.logTail(200_000).contains("registrations missing from Consul"))
        #expect(controller.terminate() == 0)
    }
}
