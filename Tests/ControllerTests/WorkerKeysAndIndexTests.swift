import Foundation
import MeshModel
import Testing
@testable import Controller

/// The service index the workers share.
struct WorkerKeysAndIndexTests {
    /// The index reports changes only when a service's live tasks change, and when it became empty.
    @Test func index_whenTasksComeAndGo_tracksLiveCountAndEmptySince() {
        // Given
        let index = ServiceTaskIndex()
        let web = MeshServiceRef(clusterArn: "c", name: "web")
        let start = Date(timeIntervalSince1970: 1_000)
        // When / Then
        #expect(index.update(taskArn: "a", service: web, alive: true, at: start) == .membershipChanged)
        #expect(index.update(taskArn: "a", service: web, alive: true, at: start) == .unchanged)
        #expect(index.update(taskArn: "b", service: web, alive: true, at: start) == .membershipChanged)
        #expect(index.liveTasks(of: web) == 2)
        #expect(index.emptySince(web) == nil)
        index.update(taskArn: "a", service: web, alive: false, at: start + 10)
        #expect(index.emptySince(web) == nil)
        index.update(taskArn: "b", service: web, alive: false, at: start + 20)
        #expect(index.liveTasks(of: web) == 0)
        #expect(index.emptySince(web) == start + 20)
        #expect(index.liveTaskCount == 0, "stopped tasks are not kept")
        index.update(taskArn: "c", service: web, alive: true, at: start + 30)
        #expect(index.emptySince(web) == nil)
        #expect(index.liveTaskCount == 1)
    }

    /// A service name run in two clusters is live while either runs it, and empty since the later
    /// of the two clusters lost its last task.
    @Test func index_whenSameNameInTwoClusters_isLiveUntilBothAreEmpty() {
        // Given
        let index = ServiceTaskIndex()
        let blue = MeshServiceRef(clusterArn: "blue", name: "web"), green = MeshServiceRef(clusterArn: "green", name: "web")
        let start = Date(timeIntervalSince1970: 1_000)
        index.update(taskArn: "b1", service: blue, alive: true, at: start)
        index.update(taskArn: "g1", service: green, alive: true, at: start)
        // When / Then
        #expect(index.liveClusters(ofService: "web") == ["blue", "green"])
        #expect(index.liveServiceNames(inCluster: "green") == ["web"])
        index.update(taskArn: "g1", service: green, alive: false, at: start + 10)
        #expect(index.liveClusters(ofService: "web") == ["blue"])
        #expect(index.emptySince(serviceNamed: "web") == nil, "blue still runs it")
        index.update(taskArn: "b1", service: blue, alive: false, at: start + 20)
        #expect(index.liveClusters(ofService: "web").isEmpty)
        #expect(index.emptySince(serviceNamed: "web") == start + 20)
        #expect(index.liveServiceNames(inCluster: "green").isEmpty)
    }

    /// Secret values decode only with two UUIDs; anything else means "no IDs yet".
    @Test func secretDecode_whenNotTwoUUIDs_givesNil() throws {
        // Given
        let good = #"{"accessor_id":"3f0c9b1e-27d4-4a51-9c3e-0f6b7d2a4c11","token":"8a1c9b1e-27d4-4a51-9c3e-0f6b7d2a4c99"}"#
        // When / Then
        #expect(SecretsManagerTokenStore.decode(good)?.accessorID == "3f0c9b1e-27d4-4a51-9c3e-0f6b7d2a4c11")
        #expect(SecretsManagerTokenStore.decode("{}") == nil)
        #expect(SecretsManagerTokenStore.decode(#"{"accessor_id":"x","token":"y"}"#) == nil)
        #expect(SecretsManagerTokenStore.decode("not json") == nil)
        let encoded = try SecretsManagerTokenStore.encode(try #require(SecretsManagerTokenStore.decode(good)))
        #expect(encoded == good)
    }
}
