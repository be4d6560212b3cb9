public import ArgumentParser
import Foundation
import OpaqueJSON

/// The options every operator command takes: where the admin API is, the token, and `--json`.
public struct AdminOptions: ParsableArguments {
    @Option(name: .customLong("admin-addr"),
            help: ArgumentHelp("The controller's admin API (default: $MESH_ADMIN_ADDR, else \(AdminEndpoint.defaultAddress)).",
                               valueName: "url"))
    var adminAddress: String?

    @Option(name: .customLong("token-file"),
            help: ArgumentHelp("A file holding the admin token (default: $MESH_ADMIN_TOKEN, else the file in $MESH_ADMIN_TOKEN_FILE).",
                               valueName: "path"),
            completion: .file())
    var tokenFile: String?

    @Flag(name: .long, help: "Print the controller's JSON instead of a table.")
    var json = false

    public init() {}

    func endpoint() throws(OperatorError) -> AdminEndpoint {
        try AdminEndpoint.resolve(addressOption: adminAddress, tokenFileOption: tokenFile,
                                  environment: ProcessInfo.processInfo.environment)
    }
}

/// An operator subcommand: a client of the admin API that prints a table (or `--json`) and exits
/// with an ``OperatorExitCode``.
public protocol OperatorCommand: AsyncParsableCommand {
    var admin: AdminOptions { get }
    /// Does the command's requests and prints their answers.
    func perform(_ client: AdminClient) async throws(OperatorError)
}

extension OperatorCommand {
    public func run() async throws {
        do {
            try await perform(AdminClient(endpoint: try admin.endpoint()))
        } catch {
            FileHandle.standardError.write(Data("ecs-mesh-controller: \(error)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }

    /// Prints the answer: its JSON as received with `--json`, else `render(json)`.
    func emit(_ answer: AdminAnswer, _ render: (JSONValue) -> String) {
        if admin.json {
            var body = answer.body
            if body.last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
            FileHandle.standardOutput.write(body)
        } else {
            print(render(answer.json))
        }
    }

    /// Tells the reader on stderr how to get the next page, when there is one.
    func notePage(_ page: JSONValue) {
        guard !admin.json, let next = page["next"].string else { return }
        FileHandle.standardError.write(Data("(more: repeat with --cursor \(next))\n".utf8))
    }
}
