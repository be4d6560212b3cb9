public import ArgumentParser
import Foundation
import OpaqueJSON

extension OperatorCommands {
    /// `journal`: the newest journal rows; `--follow` keeps printing new ones.
    public struct JournalTail: OperatorCommand {
        public static let configuration = CommandConfiguration(
            commandName: "journal",
            abstract: "Show the journal's newest rows; --follow tails it.",
            discussion: "With --json, one JSON object per row (JSON Lines).\n\n" + discussion)
        @OptionGroup public var admin: AdminOptions
        @Flag(name: .shortAndLong, help: "Keep printing new rows until interrupted.") var follow = false
        @Option(help: "How many of the newest rows to show first (1-1000).") var limit: Int = 20
        @Option(help: "Start after this sequence number instead of the newest rows.") var after: Int64?
        @Option(help: "Seconds between polls with --follow.") var interval: Double = 2

        public init() {}

        public func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
            guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 seconds") }
        }

        public func perform(_ client: AdminClient) async throws(OperatorError) {
            var cursor: Int64
            if let after {
                cursor = after
            } else {
                let sequence = Int64(try await client.get("/v1/status").json["journal"]["sequence"].number ?? 0)
                cursor = max(0, sequence - Int64(limit))
            }
            while true {
                let page = try await client.get("/v1/journal", query: [("after", String(cursor)), ("limit", String(limit))]).json
                let items = page["items"].items
                if !items.isEmpty {
                    // Written unbuffered: with --follow into a pipe, rows must appear as they come.
                    let text = admin.json ? items.map(Self.jsonLine).joined(separator: "\n") : AdminRendering.journal(items)
                    FileHandle.standardOutput.write(Data((text + "\n").utf8))
                    cursor = Int64(items.last?["sequence"].int ?? Int(cursor))
                }
                if page["next"].number != nil { continue }
                guard follow else { return }
                do {
                    try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
                } catch {
                    return
                }
            }
        }

        static func jsonLine(_ value: JSONValue) -> String {
            String(decoding: (try? JSONEncoder.lines.encode(value)) ?? Data(), as: UTF8.self)
        }
    }
}

extension JSONEncoder {
    /// Compact, keys sorted, slashes unescaped: one row per line.
    static var lines: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
