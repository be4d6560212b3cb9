public import Journal
import Logging
import PostgresJournal
import PostgresNIO

/// A journal back end that the shared journal suite (`Tests/JournalTests/Conformance`) runs
/// against: every test there takes one as its argument and talks only to ``JournalStore``.
///
/// `.sqlite` always runs. A back end on a server (``needsPostgres``) runs where the stack's
/// PostgreSQL is configured (``PostgresTestSchema/isEnabled``: `MESH_TEST_POSTGRES_URL`, or
/// `MESH_INTEGRATION=1`, where a missing URL fails its tests instead of skipping them); elsewhere
/// it is left out of ``all``, and `JournalBackendSkipTests` shows as skipped, naming why.
///
/// To add a back end, give it a ``make`` that opens a fresh, empty journal and a ``cleanup`` for
/// what that leaves behind, and list it in ``registered``.
public struct JournalBackendUnderTest: Sendable, CustomStringConvertible {
    /// A fresh journal and what removes it once it is closed.
    public struct Opened: Sendable {
        public var journal: any JournalStore
        /// Runs after the journal is closed (drop a schema, delete a file); may be empty.
        public var cleanup: @Sendable () async -> Void

        public init(journal: any JournalStore, cleanup: @escaping @Sendable () async -> Void = {}) {
            self.journal = journal
            self.cleanup = cleanup
        }
    }

    /// The back end's name, shown as the argument of each test case.
    public let name: String
    /// Whether it needs the stack's PostgreSQL.
    public let needsPostgres: Bool
    /// Opens a fresh, empty journal.
    public let make: @Sendable () async throws -> Opened

    public init(name: String, needsPostgres: Bool = false, make: @escaping @Sendable () async throws -> Opened) {
        self.name = name
        self.needsPostgres = needsPostgres
        self.make = make
    }

    public var description: String { name }

    /// The embedded journal, in memory (the real migrator and writer; no file).
    public static let sqlite = JournalBackendUnderTest(name: "sqlite") {
        Opened(journal: try EventJournal.inMemory(logger: silentLogger))
    }

    /// The PostgreSQL journal on the stack's real server, in a fresh schema per test (dropped after),
    /// committing three batches at once (`concurrentCommits`), so that every shared test also covers
    /// batches that commit side by side.
    public static let postgres = JournalBackendUnderTest(name: "postgres", needsPostgres: true) {
        let configuration = try await PostgresTestSchema.make()
        var journalConfiguration = PostgresJournalConfiguration(client: configuration)
        journalConfiguration.concurrentCommits = 3
        let journal = try await PostgresEventJournal.open(configuration: journalConfiguration, logger: silentLogger)
        return Opened(journal: journal) { try? await PostgresTestSchema.drop(configuration) }
    }

    /// Every back end the suite knows.
    public static let registered: [JournalBackendUnderTest] = [.sqlite, .postgres]

    /// The back ends that run here: the registered ones, less those whose server is not configured.
    public static var all: [JournalBackendUnderTest] {
        registered.filter { !$0.needsPostgres || PostgresTestSchema.isEnabled }
    }

    /// Runs `body` with a fresh journal of this back end, then closes the journal and cleans up,
    /// whether `body` returned or threw.
    public func withJournal<Result: Sendable>(
        _ body: (any JournalStore) async throws -> Result
    ) async throws -> Result {
        let opened = try await make()
        let result: Swift.Result<Result, any Error>
        do {
            result = .success(try await body(opened.journal))
        } catch {
            result = .failure(error)
        }
        await opened.journal.close()
        await opened.cleanup()
        return try result.get()
    }

    /// Tests never bootstrap logging; journals under test log nowhere.
    static let silentLogger = Logger(label: "journal-under-test", factory: { _ in SwiftLogNoOpLogHandler() })
}
