import MeshModel
import Testing

/// Tag parsing of ``MeshTags`` (consul-ecs tag names, facts §1.3).
struct MeshTagsTests {
    /// Only the exact value `true` puts a task in the mesh.
    @Test(arguments: [("true", true), ("TRUE", false), ("false", false), ("", false)])
    func isMesh_whenTagHasValue_matchesExactTrue(value: String, expected: Bool) {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/mesh": value])
        // When / Then
        #expect(tags.isMesh == expected)
    }

    /// A task without the mesh tag is not in the mesh.
    @Test func isMesh_whenTagMissing_isFalse() {
        // Given
        let tags = MeshTags(["other": "true"])
        // When / Then
        #expect(!tags.isMesh)
    }

    /// The service-name tag wins over the family.
    @Test func serviceName_whenTagPresent_usesTag() throws {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/service-name": "billing-api"])
        // When
        let name = try tags.serviceName(family: "Web")
        // Then
        #expect(name == "billing-api")
    }

    /// Without the tag the family is lower-cased, as consul-ecs does.
    @Test func serviceName_whenNoTag_lowercasesFamily() throws {
        // Given
        let tags = MeshTags([:])
        // When
        let name = try tags.serviceName(family: "Web-Frontend2")
        // Then
        #expect(name == "web-frontend2")
    }

    /// A tag that is not a Consul service name is a typed error naming the tag value.
    @Test(arguments: ["Billing", "billing_api", "", "bill.ing", String(repeating: "a", count: 64)])
    func serviceName_whenTagInvalid_throwsInvalidServiceName(value: String) {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/service-name": value])
        // When / Then
        #expect(throws: MeshTagError.invalidServiceName(value, source: .tag)) {
            try tags.serviceName(family: "web")
        }
    }

    /// 63 characters is the longest valid name.
    @Test func serviceName_when63Characters_isAccepted() throws {
        // Given
        let name = String(repeating: "a", count: 62) + "1"
        let tags = MeshTags(["consul.hashicorp.com/service-name": name])
        // When / Then
        #expect(try tags.serviceName(family: nil) == name)
    }

    /// A family with characters Consul rejects (ECS allows `_`) is an error that says to set the tag.
    @Test func serviceName_whenFamilyInvalid_throwsWithFamilySource() {
        // Given
        let tags = MeshTags([:])
        // When / Then
        let error = #expect(throws: MeshTagError.self) { try tags.serviceName(family: "My_App") }
        #expect(error == .invalidServiceName("my_app", source: .family))
        #expect(error?.description.contains("consul.hashicorp.com/service-name") == true)
    }

    /// No tag and no family: a typed error rather than a guessed name.
    @Test func serviceName_whenNoTagAndNoFamily_throwsMissing() {
        // Given
        let tags = MeshTags([:])
        // When / Then
        #expect(throws: MeshTagError.missingServiceName) { try tags.serviceName(family: nil) }
    }

    /// The port tag is parsed; whitespace is tolerated.
    @Test func servicePort_whenTagValid_returnsPort() throws {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/service-port": " 8080 "])
        // When / Then
        #expect(try tags.servicePort == 8080)
    }

    /// No port tag gives nil so the caller falls back to the port mapping.
    @Test func servicePort_whenTagMissing_isNil() throws {
        #expect(try MeshTags([:]).servicePort == nil)
    }

    /// Ports outside 1…65535 or non-numbers are typed errors.
    @Test(arguments: ["0", "65536", "-1", "80a", "", "+80", "99999999999999999999"])
    func servicePort_whenTagInvalid_throws(value: String) {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/service-port": value])
        // When / Then
        #expect(throws: MeshTagError.invalidServicePort(value)) { try tags.servicePort }
    }

    /// The bounds 1 and 65535 are valid ports.
    @Test func servicePort_whenAtBounds_isAccepted() throws {
        #expect(try MeshTags(["consul.hashicorp.com/service-port": "1"]).servicePort == 1)
        #expect(try MeshTags(["consul.hashicorp.com/service-port": "65535"]).servicePort == 65535)
    }

    /// `name:port,name2:port2` with whitespace becomes upstreams in order.
    @Test func upstreams_whenListWithWhitespace_parsesInOrder() throws {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/upstreams": " db:5432 , cache : 6379,"])
        // When
        let upstreams = try tags.upstreams
        // Then
        #expect(upstreams == [
            MeshUpstream(destinationName: "db", localBindPort: 5432),
            MeshUpstream(destinationName: "cache", localBindPort: 6379),
        ])
    }

    /// No upstream tag means no upstreams.
    @Test func upstreams_whenTagMissing_isEmpty() throws {
        #expect(try MeshTags([:]).upstreams.isEmpty)
    }

    /// A bad entry is named in the error.
    @Test(arguments: ["db", "db:", ":5432", "db:0", "db:x", "DB:5432", "db:1:2"])
    func upstreams_whenEntryInvalid_throwsNamingEntry(entry: String) {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/upstreams": "cache:6379, \(entry)"])
        // When / Then
        let error = #expect(throws: MeshTagError.self) { try tags.upstreams }
        #expect(error == .invalidUpstream(entry: entry))
        #expect(error?.description.contains("\"\(entry)\"") == true)
    }

    /// Two upstreams on one local port cannot both be served.
    @Test func upstreams_whenLocalPortRepeats_throwsDuplicate() {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/upstreams": "db:5432,cache:5432"])
        // When / Then
        #expect(throws: MeshTagError.duplicateUpstreamPort(5432)) { try tags.upstreams }
    }

    /// Health-synced containers are trimmed, deduplicated and kept in order.
    @Test func healthSyncContainers_whenListed_trimsAndDeduplicates() {
        // Given
        let tags = MeshTags(["consul.hashicorp.com/health-sync-containers": " app, worker,,app "])
        // When / Then
        #expect(tags.healthSyncContainers == ["app", "worker"])
    }

    /// No tag means no health-synced containers.
    @Test func healthSyncContainers_whenTagMissing_isEmpty() {
        #expect(MeshTags([:]).healthSyncContainers.isEmpty)
    }
}
