import Foundation
import MeshModel
import Testing

/// ``CatalogIntent``: change detection against the intent written last.
struct CatalogIntentTests {
    static func intent(health: ContainerHealth, port: Int = 8080) throws -> CatalogIntent {
        let task = ServiceRegistrationPlanTests.task()
        let plan = try ServiceRegistrationPlan(
            task: task, tags: ServiceRegistrationPlanTests.withHealthSync("app"), servicePort: port,
            containerHealth: ["app": health], configuration: .init()
        )
        return try #require(ServiceRegistrationPlanTests.intent(plan))
    }

    /// Nothing written yet: write everything.
    @Test func change_whenNothingWritten_isFull() throws {
        #expect(try Self.intent(health: .healthy).change(since: nil) == .full)
    }

    /// Same intent: no write.
    @Test func change_whenUnchanged_isNone() throws {
        // Given
        let written = try Self.intent(health: .healthy)
        // When / Then
        #expect(try Self.intent(health: .healthy).change(since: written) == .none)
    }

    /// Only health changed: just the changed checks (service and proxy check here).
    @Test func change_whenOnlyHealthChanged_isChangedChecksOnly() throws {
        // Given
        let written = try Self.intent(health: .healthy)
        let next = try Self.intent(health: .unhealthy)
        // When
        let change = next.change(since: written)
        // Then
        #expect(change == .checks(next.checks))
        #expect(next.checks.allSatisfy { $0.status == .critical })
    }

    /// A registration field changed: write everything.
    @Test func change_whenPortChanged_isFull() throws {
        // Given
        let written = try Self.intent(health: .healthy)
        // When / Then
        #expect(try Self.intent(health: .healthy, port: 9090).change(since: written) == .full)
    }

    /// The intent survives a JSON round trip, so the worker can journal what it wrote.
    @Test func codable_whenRoundTripped_isEqual() throws {
        // Given
        let intent = try Self.intent(health: .healthy)
        // When
        let decoded = try JSONDecoder().decode(CatalogIntent.self, from: JSONEncoder().encode(intent))
        // Then
        #expect(decoded == intent)
    }
}
