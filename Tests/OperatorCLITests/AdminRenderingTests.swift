import Foundation
import OpaqueJSON
@testable import OperatorCLI
import Testing

struct AdminRenderingTests {
    private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(Data(text.utf8)) }

    /// Tasks render as an aligned table, the cluster by name, a stopping task with its arrow.
    @Test func tasks_whenTwoTasks_rendersAlignedTable() throws {
        let page = try json("""
            {"items":[{"taskId":"abc","serviceName":"web","lastStatus":"RUNNING","desiredStatus":"RUNNING","desiredState":"registered",
              "workState":"done","address":"10.0.0.1","clusterArn":"arn:aws:ecs:us-east-1:1:cluster/apps"},
             {"taskId":"defgh","lastStatus":"RUNNING","desiredStatus":"STOPPED","desiredState":"unknown","clusterArn":"arn:aws:ecs:us-east-1:1:cluster/apps"}]}
            """)
        #expect(AdminRendering.tasks(page) == """
            TASK ID  SERVICE  STATUS           DESIRED STATE  WORK  ADDRESS   CLUSTER
            abc      web      RUNNING          registered     done  10.0.0.1  apps
            defgh    -        RUNNING→STOPPED  unknown        -     -         apps
            """)
    }

    /// Explain prints the summary, then each step under its topic.
    @Test func explain_rendersSummaryAndSteps() throws {
        let document = try json("""
            {"summary":"Task t is not in the mesh: its consul.hashicorp.com/mesh tag is not \\"true\\".",
             "steps":[{"topic":"events","text":"One row."},{"topic":"membership","text":"No tag."}]}
            """)
        #expect(AdminRendering.explain(document) == """
            Task t is not in the mesh: its consul.hashicorp.com/mesh tag is not "true".

            events:       One row.
            membership:   No tag.
            """)
    }

    /// Status shows the key counts and the dependencies in one look.
    @Test func status_rendersKeysAndDependencies() throws {
        let document = try json("""
            {"version":"0.1.0","uptimeSeconds":75.5,"journal":{"sequence":10,"databaseBytes":86016,"lastEventAgeSeconds":2.5},
             "work":{"keys":{"pending":0,"running":0,"failed":1,"done":5},"workersEnabled":true,"inFlight":0,"attempts":14,"failures":3},
             "consul":{"answeredRecently":true,"calls":18,"failures":2},"aws":{"answeredRecently":false,"calls":0,"failures":0},
             "resyncAvailable":true}
            """)
        let text = AdminRendering.status(document)
        #expect(text.contains("version:        0.1.0 (up 1 min 15 s)"))
        #expect(text.contains("journal:        sequence 10, 84 KiB, last event 2.5 s ago"))
        #expect(text.contains("work keys:      pending 0, running 0, failed 1, done 5"))
        #expect(text.contains("aws:            NO answer in the last 5 min"))
        #expect(text.contains("resync:         available, no sweep yet"))
    }

    /// Long cells are cut; the last column carries no trailing spaces.
    @Test func table_whenCellTooLong_cutsIt() {
        let table = TextTable(headers: ["A", "B"], rows: [["x", String(repeating: "e", count: 20)]], maxCellWidth: 10)
        #expect(table.render() == "A  B\nx  eeeeeeeee…")
    }

    /// Retry and resync answers read as sentences; retried keys are short, as `work` shows them.
    @Test func retryAndResync_renderSentences() throws {
        let retried = try json("""
            {"retried":["task:arn:aws:ecs:us-east-1:1:task/apps/0abc","service:web"],"shortKeys":["task:0abc","service:web"],"scheduled":true}
            """)
        #expect(AdminRendering.retry(retried) == "retried 2 keys, queued now:\n  task:0abc\n  service:web")
        #expect(AdminRendering.retry(try json(#"{"retried":["task:arn:x"],"scheduled":true}"#)) == "retried 1 key, queued now:\n  task:arn:x",
                "a controller without shortKeys: its keys as they are")
        #expect(AdminRendering.retry(try json(#"{"retried":[],"scheduled":true}"#)) == "nothing to retry")
        #expect(AdminRendering.resync(try json(#"{"sweep":2,"coalesced":false}"#)) == "resync sweep 2 requested")
    }
}
