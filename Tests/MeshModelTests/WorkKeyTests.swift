import MeshModel
import Testing

/// ``WorkKey``: the one spelling of the durable work keys.
struct WorkKeyTests {
    static let cluster = "arn:aws:ecs:us-east-1:1:cluster/apps"

    /// A service's token key is per name: every cluster's tasks of the name share it.
    @Test func workKey_whenSameNameInTwoClusters_isOneKey() {
        // Given
        let blue = MeshServiceRef(clusterArn: Self.cluster, name: "web")
        let green = MeshServiceRef(clusterArn: "arn:aws:ecs:us-east-1:1:cluster/green", name: "web")
        // When / Then
        #expect(blue.workKey == "service:web")
        #expect(blue.workKey == green.workKey)
        #expect(WorkKey(blue.workKey) == .service(name: "web"))
    }

    /// The earlier per-cluster spelling still parses (split at the last slash, since cluster ARNs
    /// contain slashes and names never do) and round-trips, so stored keys can be worked.
    @Test func init_whenLegacyServiceKey_parsesClusterAndName() {
        // Given
        let legacy = "service:arn:aws:ecs:us-east-1:1:cluster/apps/web"
        // When
        let parsed = WorkKey(legacy)
        // Then
        #expect(parsed == .legacyService(clusterArn: Self.cluster, name: "web"))
        #expect(parsed?.rawValue == legacy)
    }

    /// Task, client-token and resync keys round-trip; keys nobody owns parse to nil.
    @Test func init_whenOtherKeys_parsesOwnedOnly() {
        let arn = "arn:aws:ecs:us-east-1:1:task/apps/abc"
        #expect(WorkKey("task:" + arn) == .task(arn: arn))
        #expect(WorkKey.task(arn: arn).rawValue == "task:" + arn)
        #expect(WorkKey("client-token") == .clientToken)
        #expect(WorkKey("task:") == nil)
        #expect(WorkKey("service:") == nil)
        #expect(WorkKey("service:c/") == nil)
        #expect(WorkKey("resync") == .resync)
        #expect(WorkKey.resync.rawValue == "resync")
        #expect(WorkKey.resync.kind == "resync" && WorkKey.resync.shortForm == "resync")
        #expect(WorkKey("resync:all") == nil)
        #expect(WorkKey("sweep") == nil)
    }

    /// Kinds and short forms drop the ARNs; a legacy key shows as its name's key.
    @Test func kindAndShortForm_whenKeys_dropARNs() {
        let task = WorkKey.task(arn: "arn:aws:ecs:us-east-1:1:task/apps/abc")
        #expect(task.kind == "task" && task.shortForm == "task:abc")
        #expect(WorkKey.service(name: "web").shortForm == "service:web")
        #expect(WorkKey.legacyService(clusterArn: Self.cluster, name: "web").shortForm == "service:web")
        #expect(WorkKey.legacyService(clusterArn: Self.cluster, name: "web").kind == "service")
        #expect(WorkKey.clientToken.kind == "client-token" && WorkKey.clientToken.shortForm == "client-token")
    }

    /// An abbreviation names the key's kind and the tail every matching stored key ends with.
    @Test func abbreviation_whenShortKey_returnsPrefixAndSuffix() {
        #expect(WorkKey.abbreviation("task:abc")! == ("task:", "/abc"))
        #expect(WorkKey.abbreviation("service:web")! == ("service:", "/web"))
        #expect(WorkKey.abbreviation("task:") == nil)
        #expect(WorkKey.abbreviation("client-token") == nil)
    }
}
