import MeshTestSupport
import Testing

/// Makes the PostgreSQL half of the shared journal suite visible where it cannot run: without the
/// stack's PostgreSQL (`MESH_TEST_POSTGRES_URL`), this test is reported as skipped with the reason,
/// instead of the suite passing on SQLite alone in silence. With the stack it checks that the
/// server takes the fresh schema every PostgreSQL case of the suite starts from.
struct JournalBackendSkipTests {
    @Test(.enabled(if: PostgresTestSchema.isEnabled,
                   "MESH_TEST_POSTGRES_URL is not set: the shared journal suite runs on SQLite only"))
    func postgres_whenStackConfigured_takesAFreshSchema() async throws {
        // When / Then: make() throws when the server refuses the connection or the schema
        _ = try await PostgresTestSchema.make()
    }
}
