import ArgumentParser
@testable import OperatorCLI
import Testing

struct OperatorCommandParsingTests {
    /// `tasks` turns its filters into the admin API's query.
    @Test func tasks_whenFiltersGiven_buildsQuery() throws {
        let command = try OperatorCommands.Tasks.parse(["--cluster", "apps", "--status", "RUNNING", "--limit", "5", "--json"])
        #expect(command.query.map { "\($0.0)=\($0.1)" } == ["cluster=apps", "status=RUNNING", "limit=5"])
        #expect(command.admin.json)
    }

    /// `retry` takes a key or --failed, never both or neither; full keys go by query.
    @Test func retry_whenKeyOrFailed_choosesTheRoute() throws {
        let short = try OperatorCommands.Retry.parse(["task:abc"])
        #expect(short.request.path == "/v1/work/task:abc/retry" && short.request.query.isEmpty)
        let full = try OperatorCommands.Retry.parse(["service:arn:aws:ecs:us-east-1:1:cluster/apps/web"])
        #expect(full.request.path == "/v1/work/retry" && full.request.query.first?.1 == "service:arn:aws:ecs:us-east-1:1:cluster/apps/web")
        let failed = try OperatorCommands.Retry.parse(["--failed"])
        #expect(failed.request.path == "/v1/work/retry" && failed.request.query.first?.1 == "failed")
        #expect(throws: (any Error).self) { try OperatorCommands.Retry.parse([]) }
        #expect(throws: (any Error).self) { try OperatorCommands.Retry.parse(["task:abc", "--failed"]) }
    }

    /// `explain` accepts a full ARN or an ID.
    @Test func explain_whenArnGiven_usesTheTaskID() throws {
        #expect(try OperatorCommands.Explain.parse(["arn:aws:ecs:us-east-1:1:task/apps/0f1e2d"]).taskID == "0f1e2d")
        #expect(try OperatorCommands.Explain.parse(["0f1e2d"]).taskID == "0f1e2d")
    }

    /// Out-of-range options are usage errors (exit 64), and --admin-addr / --token-file are read.
    @Test func options_whenInvalid_exitWithUsage() throws {
        #expect(throws: (any Error).self) { try OperatorCommands.Work.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try OperatorCommands.JournalTail.parse(["--interval", "0"]) }
        do {
            _ = try OperatorCommands.Work.parse(["--limit", "0"])
        } catch {
            #expect(OperatorCommands.Work.exitCode(for: error).rawValue == OperatorExitCode.usage)
        }
        let work = try OperatorCommands.Work.parse(["--state", "failed", "--admin-addr", "h:1", "--token-file", "/t"])
        #expect(work.state == "failed" && work.admin.adminAddress == "h:1" && work.admin.tokenFile == "/t")
    }

    /// The help text documents the exit codes.
    @Test func help_documentsExitCodes() {
        let help = OperatorCommands.Status.helpMessage()
        #expect(help.contains("77") && help.contains("69") && help.contains("--admin-addr") && help.contains("--json"))
    }
}
