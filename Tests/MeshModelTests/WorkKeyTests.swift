import MeshModel
import Testing

/// ``WorkKey``: the one spelling of the durable work keys.
struct WorkKeyTests {
    static let cluster = "arn:aws:ecs:us-east-1:1:cluster/apps"

    /// Service keys split at the last slash, since cluster ARNs contain slashes and names never do.
    @Test func init_whenServiceKey_roundTrips() {
        // Given
        let service = MeshServiceRef(clusterArn: Self.cluster, name: "web")
        // When
        let parsed = WorkKey(service.workKey)
        // Then
        #expect(service.workKey == "service:arn:aws:ecs:us-east-1:1:cluster/apps/web")
        #expect(parsed == .service(service))
    }

    /// Task and client-token keys round-trip; keys nobody owns parse to nil.
    @Test func init_whenOtherKeys_parsesOwnedOnly() {
        let arn = "arn:aws:ecs:us-east-1:1:task/apps/abc"
        #expect(WorkKey("task:" + arn) == .task(arn: arn))
        #expect(WorkKey.task(arn: arn).rawValue == "task:" + arn)
        #expect(WorkKey("client-token") == .clientToken)
        #expect(WorkKey("task:") == nil)
        #expect(WorkKey("service:noslash") == nil)
        #expect(WorkKey("resync") == nil)
    }

    /// An abbreviation names the key's kind and the tail every matching stored key ends with.
    @Test func abbreviation_whenShortKey_returnsPrefixAndSuffix() {
        #expect(WorkKey.abbreviation("task:abc")! == ("task:", "/abc"))
        #expect(WorkKey.abbreviation("service:web")! == ("service:", "/web"))
        #expect(WorkKey.abbreviation("task:") == nil)
        #expect(WorkKey.abbreviation("client-token") == nil)
    }
}
