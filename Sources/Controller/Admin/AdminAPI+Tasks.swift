import Foundation
import HTTPServer
import Journal
import MeshModel

extension AdminAPI {
    /// `GET /v1/tasks?cluster=&service=&status=&limit=&cursor=`.
    func tasks(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let limit = try query.limit()
            let rows = try await journal.adminTasks(cluster: try query.filter("cluster"), service: try query.filter("service"),
                                              status: try query.filter("status")?.uppercased(), limit: limit,
                                              after: try query.cursor())
            let documents = try await withWork(rows) { WorkKey.task(arn: $0.task.taskArn) }
                .map { AdminTaskDocument($0, work: $1) }
            return AdminJSON.response(AdminPage(items: documents, limit: limit, key: \.taskArn), pretty: query.pretty)
        }
    }

    /// `GET /v1/tasks/{taskId}`: everything known about one task, to answer "why is it not in the mesh?".
    func task(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let row = try await oneTask(request.pathParameters["taskId"] ?? "")
            let work = try await journal.workItem(key: WorkKey.task(arn: row.task.taskArn).rawValue)
            let entries = try await journal.entries(forTask: row.task.taskArn, limit: Self.taskJournalLimit)
            let document = AdminTaskDetailDocument(
                task: AdminTaskDocument(row, work: work), work: work.map(AdminWorkDocument.init),
                lastError: work?.lastError, tags: row.meta?.tags, servicePort: row.meta?.servicePort,
                describedAt: row.meta?.describedAt,
                meshConfig: meshConfigs?.status(taskArn: row.task.taskArn),
                journal: entries.map { AdminJournalEntryDocument($0, includeBody: false) })
            return AdminJSON.response(document, pretty: query.pretty)
        }
    }

    /// `GET /v1/services?limit=&cursor=`: token accessor IDs and secret ARNs, never a secret.
    func services(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let limit = try query.limit()
            let rows = try await journal.adminServices(limit: limit, after: try query.cursor())
            let documents = try await withWork(rows) { WorkKey.service(name: $0.service.name) }
                .map { AdminServiceDocument($0, work: $1) }
            return AdminJSON.response(AdminPage(items: documents, limit: limit, key: \.name), pretty: query.pretty)
        }
    }

    /// Each row with the work item of its key, read in one query.
    private func withWork<Row>(_ rows: [Row], key: (Row) -> WorkKey) async throws -> [(Row, WorkItem?)] {
        let keys = rows.map { key($0).rawValue }
        let work = try await journal.workItems(keys: keys)
        return zip(rows, keys).map { ($0, work[$1]) }
    }

    /// `GET /v1/journal?after=SEQ&limit=N`: the journal tail, oldest first; `next` is the last sequence.
    func journalTail(_ request: HTTPRequest) async -> HTTPResponse {
        await answer(request) { query in
            let limit = try query.limit()
            let after = try query.integer("after", default: 0)
            let entries = try await journal.entries(after: after, limit: limit)
            let documents = entries.map { AdminJournalEntryDocument($0, includeBody: true) }
            return AdminJSON.response(AdminJournalPage(items: documents, limit: limit), pretty: query.pretty)
        }
    }
}

/// The journal tail's page: `next` is the sequence to pass as `after`, not an opaque cursor.
struct AdminJournalPage: Encodable {
    var items: [AdminJournalEntryDocument]
    var next: Int64?

    init(items: [AdminJournalEntryDocument], limit: Int) {
        self.items = items
        self.next = items.count >= limit ? items.last?.sequence : nil
    }
}
