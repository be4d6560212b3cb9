import Testing

/// ``ResumedLeaderLog``: which writes of a resumed old leader count as acting after its resume.
/// Pure (log text in, markers out), so it runs without the integration environment.
struct ResumedLeaderLogTests {
    /// A sidecar registration as CI logged it on 2026-12-06: sent just before the freeze, answered
    /// while the process was stopped, logged 0.2 s after the resume.
    private static func register(durationMs: Int) -> String {
        """
        2026-12-06T08:06:35+0000 debug ecs-mesh-controller: consul.duration_ms=\(durationMs) consul.method=PUT \
        consul.path=/v1/catalog/register consul.status=200 mesh.service.name=rep mesh.work.attempt=1 [Consul] Consul call succeeded
        2026-12-06T08:06:35+0000 debug ecs-mesh-controller: mesh.catalog.change=full mesh.work.attempt=1 [Controller] Registered task in the catalog
        """
    }

    private static let statusRead = """
        2026-12-06T08:06:35+0000 debug ecs-mesh-controller: consul.duration_ms=2 consul.method=GET consul.path=/v1/acl/token/x consul.status=200 [Consul] Consul call succeeded
        """

    @Test func actedAfterResume_whenTheWriteLeftBeforeTheFreeze_isNothing() {
        #expect(ResumedLeaderLog.actedAfterResume(Self.register(durationMs: 3955), elapsed: .milliseconds(300)) == [])
    }

    @Test func actedAfterResume_whenAWriteStartedAfterTheResume_namesTheMarker() {
        let log = Self.register(durationMs: 3955) + "\n" + Self.register(durationMs: 12)
        #expect(ResumedLeaderLog.actedAfterResume(log, elapsed: .milliseconds(300)) == ["Registered task in the catalog"])
    }

    @Test func actedAfterResume_whenOnlyReadsAreLogged_countsTheMarker() {
        let log = Self.statusRead + "\n2026-12-06T08:06:35+0000 info x: [Controller] Created Consul token"
        #expect(ResumedLeaderLog.actedAfterResume(log, elapsed: .milliseconds(300)) == ["Created Consul token"],
                "no write line accounts for the marker")
    }

    @Test func actedAfterResume_whenSecretsManagerWrote_alwaysCounts() {
        let log = Self.register(durationMs: 3955) + "\n2026-12-06T08:06:35+0000 info x: [Controller] Created token secret"
        #expect(ResumedLeaderLog.actedAfterResume(log, elapsed: .milliseconds(300)) == ["Created token secret"])
    }

    @Test func actedAfterResume_whenNoMarker_isNothing() {
        #expect(ResumedLeaderLog.actedAfterResume(Self.statusRead, elapsed: .seconds(5)) == [])
    }
}
