import Foundation
import HTTPServer
import Journal
import Logging
import MeshModel

extension AdminAPI {
    /// `GET /v1/work?state=&limit=&cursor=`.
    func work(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let limit = try query.limit()
            let items = try await journal.work(state: try Self.state(query), limit: limit, after: try query.cursor())
            return AdminJSON.response(AdminPage(items: items.map(AdminWorkDocument.init), limit: limit, key: \.key),
                                      pretty: query.pretty)
        }
    }

    /// `POST /v1/work/{key}/retry`: `key` is a short key (`task:<taskId>`, `service:<name>`,
    /// `client-token`) or a full key without `/`.
    func retryOne(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let key = try await resolve(request.pathParameters["key"] ?? "")
            return try await retry([key], request: request, pretty: query.pretty)
        }
    }

    /// `POST /v1/work/retry?state=failed` (every parked key) or `?key=<full key>` (one key, any form).
    func retryMany(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            if let key = try query.filter("key") {
                return try await retry([try await resolve(key)], request: request, pretty: query.pretty)
            }
            guard query.items["state"] == "failed" else {
                throw AdminProblem.badParameter("state", "must be \"failed\" (or pass key=<work key>)")
            }
            let failed = try await journal.work(state: .failed, limit: 10_000, after: nil).map(\.key)
            return try await retry(failed, request: request, pretty: query.pretty)
        }
    }

    /// `POST /v1/resync`: asks for a sweep; 202 at once. Only the leader sweeps. The leader asks its
    /// resync service directly; a follower marks the `resync` work key in the shared journal, which
    /// reaches the leader's queue at once (NOTIFY) and survives a change of leader, and says so.
    func requestResync(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            guard let resync else {
                throw AdminProblem.unavailable("Resync unavailable", "no resync runs in this controller (workers disabled or not wired)")
            }
            if let leader = cluster.followsLeader {
                let key = WorkKey.resync.rawValue
                try await markDurably([key])
                logger.info("Resync requested through the admin API of a follower; the leader runs it", metadata: [
                    "mesh.request.id": .string(request.requestID), "mesh.leader.id": .string(leader),
                ])
                return AdminJSON.response(AdminResyncDocument(sweep: nil, coalesced: false, runsOn: leader, workKey: key),
                                          status: 202, pretty: query.pretty)
            }
            let outcome = await resync.requestResync(reason: "admin API request \(request.requestID)")
            logger.info("Resync requested through the admin API", metadata: [
                "mesh.request.id": .string(request.requestID), "mesh.resync.sweep": .stringConvertible(outcome.sweep),
            ])
            return AdminJSON.response(AdminResyncDocument(sweep: outcome.sweep, coalesced: outcome.coalesced,
                                                          runsOn: cluster.replicaID, workKey: nil),
                                      status: 202, pretty: query.pretty)
        }
    }

    /// Marks `keys` pending in the journal, and schedules them when this replica's queue runs (it
    /// leads). A follower marks them in the journal itself, unfenced, as ingest does: the queue's
    /// marks carry the leader's fence, which a follower's guard refuses.
    private func markDurably(_ keys: [String]) async throws {
        if let queue, cluster.followsLeader == nil {
            do {
                try await queue.enqueue(keys)
            } catch let error as JournalError {
                throw error
            } catch {
                throw AdminProblem.unavailable("Work queue unavailable", "the keys could not be marked (\(type(of: error)))")
            }
        } else {
            try await journal.markWork(keys)
        }
    }

    private func retry(_ keys: [String], request: HTTPRequest, pretty: Bool) async throws -> HTTPResponse {
        try await markDurably(keys)
        logger.info("Work retried through the admin API", metadata: [
            "mesh.request.id": .string(request.requestID), "mesh.work.count": .stringConvertible(keys.count),
        ])
        return AdminJSON.response(AdminRetryDocument(retried: keys, scheduled: queue != nil), status: 202, pretty: pretty)
    }

    /// The stored key that `name` stands for.
    /// - Throws: 404 when no key matches, 409 when a short key matches several.
    private func resolve(_ name: String) async throws -> String {
        guard !name.isEmpty, name.utf8.count <= 2048 else { throw AdminProblem.badParameter("key", "must be a work key") }
        if let item = try await journal.workItem(key: name) { return item.key }
        var candidates: [String] = []
        if let short = WorkKey.abbreviation(name) {
            candidates = try await journal.workKeys(prefix: short.prefix, suffix: short.suffix).map(\.key)
        }
        guard let first = candidates.first else { throw AdminProblem.notFound("no work key \(AdminProblem.quoted(name))") }
        guard candidates.count == 1 else {
            throw AdminProblem.conflict("\(AdminProblem.quoted(name)) matches \(candidates.count) keys; retry one with POST /v1/work/retry?key=<key>: \(candidates.map(AdminProblem.quoted).joined(separator: ", "))")
        }
        return first
    }

    private static func state(_ query: AdminQuery) throws(AdminProblem) -> WorkState? {
        guard let text = query.items["state"] else { return nil }
        guard let state = WorkState(rawValue: text) else {
            throw AdminProblem.badParameter("state", "must be one of pending, running, failed, done")
        }
        return state
    }
}
