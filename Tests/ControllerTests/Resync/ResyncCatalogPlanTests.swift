import MeshModel
import Testing
@testable import Controller

/// The pure Consul-side decisions of a sweep.
struct ResyncCatalogPlanTests {
    /// Services without our source meta are counted and never touched.
    @Test func plan_whenServiceIsForeign_countsAndKeepsIt() {
        // Given / When
        let plan = ResyncCatalogPlan(services: [ResyncSample.foreign("legacy-1"), ResyncSample.foreign("legacy-2")],
                                     sourceMeta: MeshPlanConfiguration.defaultSourceMeta, journal: { _ in nil },
                                     listedAlive: [], unreadable: [])
        // Then
        #expect(plan.foreign == 2)
        #expect(plan.deregister.isEmpty)
    }

    /// Our services whose task is stopped or unknown go; live ones stay.
    @Test func plan_whenOurTaskIsStoppedOrUnknown_deregistersIt() {
        // Given
        let statuses: [String: TaskStatus] = [WorkerSample.arn("live"): .running, WorkerSample.arn("gone"): .stopped]
        // When
        let plan = ResyncCatalogPlan(
            services: [ResyncSample.ours("", taskID: "live"), ResyncSample.ours("", taskID: "gone"),
                       ResyncSample.ours("", taskID: "nobody"), ResyncSample.ours("", taskID: "fresh")],
            sourceMeta: MeshPlanConfiguration.defaultSourceMeta, journal: { statuses[$0] },
            listedAlive: [WorkerSample.arn("fresh")], unreadable: [])
        // Then
        #expect(plan.deregister == ["web-gone", "web-nobody"])
        #expect(plan.kept == 2)
    }

    /// A service whose task's tags could not be read is skipped, not deregistered.
    @Test func plan_whenTaskUnreadable_skipsIt() {
        // Given / When
        let plan = ResyncCatalogPlan(services: [ResyncSample.ours("", taskID: "t1")],
                                     sourceMeta: MeshPlanConfiguration.defaultSourceMeta, journal: { _ in nil },
                                     listedAlive: [], unreadable: [WorkerSample.arn("t1")])
        // Then
        #expect(plan.deregister.isEmpty)
        #expect(plan.skipped == 1)
    }

    /// A registered task whose service or proxy is gone from the node is restored; one with both
    /// present, or whose tags could not be read, is not.
    @Test func plan_whenExpectedServiceOrProxyMissing_restoresTheTask() {
        // Given: "whole" has both IDs, "noproxy" lost its proxy, "gone" lost both, "hidden" is unreadable
        let expected = Dictionary(uniqueKeysWithValues: ["whole", "noproxy", "gone", "hidden"].map {
            (WorkerSample.arn($0), ["web-\($0)", "web-\($0)-sidecar-proxy"])
        })
        // When
        let plan = ResyncCatalogPlan(
            services: [ResyncSample.ours("", taskID: "whole"), ResyncSample.ours("-sidecar-proxy", taskID: "whole"),
                       ResyncSample.ours("", taskID: "noproxy")],
            sourceMeta: MeshPlanConfiguration.defaultSourceMeta, journal: { _ in .running },
            listedAlive: [], unreadable: [WorkerSample.arn("hidden")], expected: expected)
        // Then
        #expect(plan.restore == [WorkerSample.arn("gone"), WorkerSample.arn("noproxy")].sorted())
        #expect(plan.deregister.isEmpty)
        #expect(plan.kept == 3)
    }

    /// A gateway task has no sidecar: its gateway on the node is all it needs; a missing gateway is restored.
    @Test func plan_whenGatewayPresentWithoutProxy_restoresNothing() {
        // Given "gw" registered as a mesh gateway, "gwgone" whose gateway is missing
        let expected = Dictionary(uniqueKeysWithValues: ["gw", "gwgone"].map {
            (WorkerSample.arn($0), ["web-\($0)", "web-\($0)-sidecar-proxy"])
        })
        var gateway = ResyncSample.ours("", taskID: "gw")
        gateway.kind = "mesh-gateway"
        // When
        let plan = ResyncCatalogPlan(services: [gateway], sourceMeta: MeshPlanConfiguration.defaultSourceMeta,
                                     journal: { _ in .running }, listedAlive: [], unreadable: [], expected: expected)
        // Then
        #expect(plan.restore == [WorkerSample.arn("gwgone")])
        #expect(plan.kept == 1)
    }

    /// Nothing expected, nothing restored: a sweep with no drift writes nothing.
    @Test func plan_whenNothingExpected_restoresNothing() {
        let plan = ResyncCatalogPlan(services: [ResyncSample.ours("", taskID: "t1")],
                                     sourceMeta: MeshPlanConfiguration.defaultSourceMeta, journal: { _ in .running },
                                     listedAlive: [], unreadable: [])
        #expect(plan.restore.isEmpty)
    }
}
