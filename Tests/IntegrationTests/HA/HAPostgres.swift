import Foundation
import MeshTestSupport

/// A PostgreSQL 15 cluster of the failover test's own (`deploy/local/pg-cluster.sh`: Debian's
/// binaries, the `postgres` user, loopback, fsync and synchronous_commit on), on a free port. The
/// failover test restarts PostgreSQL; the stack's shared cluster, which other tests use at the same
/// time, must not be the one it restarts. Made by initdb once in `.local/postgres/`, reused after.
struct HAPostgres: Sendable {
    static let directory = Repository.path(".local/postgres/15-failover-test")
    let port: Int

    /// Starts the cluster (stopping a copy an earlier run left behind).
    static func start() async throws -> HAPostgres {
        let postgres = HAPostgres(port: try FreePort.next())
        _ = try await postgres.run("start")
        return postgres
    }

    /// A new, empty database owned by the `mesh` role; returns its URL (with the password).
    func createDatabase(_ name: String) async throws -> String {
        try await run("createdb", name).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func dropDatabase(_ name: String) async throws {
        _ = try await run("dropdb", name)
    }

    /// `pg_ctl restart`: `fast` disconnects the clients and checkpoints; `immediate` is a crash
    /// (recovery from WAL on start).
    func restart(mode: String = "fast") async throws {
        _ = try await run("restart", mode)
    }

    func stop() async throws {
        _ = try await run("stop")
    }

    private func run(_ arguments: String...) async throws -> String {
        let output = try await Subprocess.run(
            ["bash", Repository.path("deploy/local/pg-cluster.sh"), Self.directory, String(port)] + arguments)
        guard output.status == 0 else {
            throw ProcessFailure("pg-cluster.sh \(arguments.joined(separator: " ")) failed: \(output.stderrText.suffix(2000))")
        }
        return String(decoding: output.stdout, as: UTF8.self)
    }
}
