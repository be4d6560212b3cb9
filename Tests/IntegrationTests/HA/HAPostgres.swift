import Foundation
import MeshTestSupport

/// A PostgreSQL 15 cluster of the failover test's own (`deploy/local/pg-cluster.sh`: Debian's
/// binaries, the `postgres` user, loopback, fsync and synchronous_commit on), on a free port. The
/// failover test restarts PostgreSQL; the stack's shared cluster, which other tests use at the same
/// time, must not be the one it restarts. Made by initdb once in `.local/postgres/15-<cluster>`,
/// reused after; one cluster name per test that uses it (the failover test, the HA benchmark).
struct HAPostgres: Sendable {
    let directory: String
    let port: Int

    /// Starts the cluster (stopping a copy an earlier run left behind).
    static func start(cluster: String) async throws -> HAPostgres {
        let postgres = HAPostgres(directory: Repository.path(".local/postgres/15-\(cluster)"), port: try FreePort.next())
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
            ["bash", Repository.path("deploy/local/pg-cluster.sh"), directory, String(port)] + arguments)
        guard output.status == 0 else {
            throw ProcessFailure("pg-cluster.sh \(arguments.joined(separator: " ")) failed: \(output.stderrText.suffix(2000))")
        }
        return String(decoding: output.stdout, as: UTF8.self)
    }
}
