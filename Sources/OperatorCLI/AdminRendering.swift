import Foundation
public import OpaqueJSON

/// The human renderings of the admin API's documents (`--json` prints the documents themselves).
/// Pure functions of the parsed JSON, so each is unit-tested from a sample answer.
public enum AdminRendering {
    /// `GET /v1/status` as `key: value` lines, grouped.
    public static func status(_ document: JSONValue) -> String {
        let journal = document["journal"], work = document["work"]
        var lines = [
            "version:        \(document["version"].text) (up \(seconds(document["uptimeSeconds"])))",
            "journal:        sequence \(journal["sequence"].text), \(bytes(journal["databaseBytes"])), last event \(ago(journal["lastEventAgeSeconds"]))",
            "work keys:      " + ["pending", "running", "failed", "done"].map { "\($0) \(work["keys"][$0].text)" }.joined(separator: ", ")
                + (work["oldestPendingAgeSeconds"].number.map { "; oldest pending \(seconds(.double($0)))" } ?? ""),
            "workers:        " + (work["workersEnabled"].bool == true
                ? "running (\(work["inFlight"].text) in flight, \(work["attempts"].text) attempts, \(work["failures"].text) failures)"
                : "disabled (AWS not configured)"),
            "consul:         \(dependency(document["consul"]))",
            "aws:            \(dependency(document["aws"]))",
        ]
        let resync = document["resync"]
        if case .object = resync {
            var text = "sweep \(resync["lastSweep"].text) (\(resync["lastReason"].text)) took \(seconds(resync["lastDurationSeconds"]))"
            if resync["pending"].bool == true { text += ", another pending" }
            lines.append("resync:         " + text)
            for problem in resync["problems"].items { lines.append("  problem:      \(problem.text)") }
        } else {
            lines.append("resync:         " + (document["resyncAvailable"].bool == true ? "available, no sweep yet" : "off"))
        }
        return lines.joined(separator: "\n")
    }

    /// `GET /v1/tasks`.
    public static func tasks(_ page: JSONValue) -> String {
        TextTable(headers: ["TASK ID", "SERVICE", "STATUS", "DESIRED STATE", "WORK", "ADDRESS", "CLUSTER"], rows: page["items"].items.map { task in
            [task["taskId"].text, task["serviceName"].text,
             task["lastStatus"].text + (task["desiredStatus"].string.map { $0 == task["lastStatus"].string ? "" : "→\($0)" } ?? ""),
             task["desiredState"].text, task["workState"].text, task["address"].text, lastSegment(task["clusterArn"].text)]
        }).render()
    }

    /// `GET /v1/services`.
    public static func services(_ page: JSONValue) -> String {
        TextTable(headers: ["SERVICE", "CLUSTER", "TASKS", "TOKEN ACCESSOR", "WORK"], rows: page["items"].items.map { service in
            [service["name"].text, lastSegment(service["clusterArn"].text), String(service["tasks"].items.count),
             service["tokenDeletedAt"].string == nil ? service["accessorId"].text : "deleted",
             service["workState"].text]
        }).render()
    }

    /// `GET /v1/work`.
    public static func work(_ page: JSONValue) -> String {
        TextTable(headers: ["KEY", "STATE", "ATTEMPTS", "NEXT ATTEMPT", "UPDATED", "LAST ERROR"], rows: page["items"].items.map { item in
            [item["shortKey"].string ?? item["key"].text, item["state"].text, item["attempts"].text,
             item["notBefore"].text, item["updatedAt"].text, item["lastError"].text]
        }).render()
    }

    /// Journal rows (`GET /v1/journal`'s `items`), one line each.
    public static func journal(_ entries: [JSONValue]) -> String {
        entries.map { entry in
            "\(entry["sequence"].text)  \(entry["receivedAt"].text)  \(entry["source"].text)  \(entry["outcome"].text)  "
                + "\(entry["lastStatus"].text) v\(entry["version"].text)  \(entry["taskArn"].text)"
        }.joined(separator: "\n")
    }

    /// `GET /v1/tasks/{taskId}/explain`: the summary, then one paragraph per step.
    public static func explain(_ document: JSONValue) -> String {
        var lines = [document["summary"].text, ""]
        for step in document["steps"].items {
            lines.append("\(step["topic"].text):".padding(toLength: 14, withPad: " ", startingAt: 0) + step["text"].text)
        }
        return lines.joined(separator: "\n")
    }

    /// `POST /v1/work/.../retry`: the keys in their short form, as `work` shows them (the full keys
    /// of a controller that predates `shortKeys`).
    public static func retry(_ document: JSONValue) -> String {
        let short = document["shortKeys"].items.compactMap(\.string)
        let keys = short.isEmpty ? document["retried"].items.map(\.text) : short
        guard !keys.isEmpty else { return "nothing to retry" }
        let how = document["scheduled"].bool == true ? "queued now" : "marked pending (no workers run; they run at the next start)"
        return (["retried \(keys.count) key\(keys.count == 1 ? "" : "s"), \(how):"] + keys.map { "  " + $0 }).joined(separator: "\n")
    }

    /// `POST /v1/resync`.
    public static func resync(_ document: JSONValue) -> String {
        if let key = document["workKey"].string {
            return "resync requested from the leader \(document["runsOn"].text) (work key \(key) marked in the journal)"
        }
        return "resync sweep \(document["sweep"].text) requested" + (document["coalesced"].bool == true ? " (joined a sweep already waiting)" : "")
    }

    // MARK: - Cells

    static func dependency(_ part: JSONValue) -> String {
        let answered = part["answeredRecently"].bool == true ? "answered in the last 5 min" : "NO answer in the last 5 min"
        return "\(answered) (\(part["calls"].text) calls, \(part["failures"].text) failures; last failure \(part["lastFailureAt"].text))"
    }

    static func lastSegment(_ arn: String) -> String {
        arn.split(separator: "/").last.map(String.init) ?? arn
    }

    static func seconds(_ value: JSONValue) -> String {
        guard let seconds = value.number else { return "-" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        return "\(whole / 3600) h \(whole % 3600 / 60) min"
    }

    static func ago(_ value: JSONValue) -> String {
        value.number == nil ? "never" : seconds(value) + " ago"
    }

    static func bytes(_ value: JSONValue) -> String {
        guard let bytes = value.number else { return "-" }
        if bytes < 1_048_576 { return String(format: "%.0f KiB", bytes / 1024) }
        return String(format: "%.1f MiB", bytes / 1_048_576)
    }
}
