import Foundation

/// What a leader that was frozen (SIGSTOP) past its lease did after it resumed, read from its log.
///
/// A write counts only if it *started* after the resume. Consul cannot check an epoch
/// (docs/leader-election.md, "Fencing"): a call that passed its lease check and left before the
/// process froze is answered while the process is stopped, and the worker logs its effect ("Registered
/// task in the catalog") only once it runs again. Such a call took longer than the time between the
/// resume and the reading of the log; a Consul write that started after the resume, and was logged
/// before the log was read, took less. CI met the first case on 2026-12-06: a sidecar's registration
/// of 3,955 ms, sent just before the freeze, logged 0.2 s after the resume.
enum ResumedLeaderLog {
    /// Lines the workers log when they write to Consul or Secrets Manager (debug and info).
    static let actingMarkers = [
        "Registered task in the catalog", "Deregistered stopped task from the catalog",
        "Created Consul token", "Deleted the token", "Created token secret", "Stored new token IDs",
    ]

    /// The markers of writes that started after the resume: none when the log shows Consul writes
    /// and every one of them had left before the resume. Markers of Secrets Manager writes always
    /// count (their calls are not logged with a duration, so none can be shown to have left before
    /// the freeze), and so does every marker when the log shows no Consul write to account for it.
    /// - Parameters:
    ///   - log: The log written since the resume (up to the replica's next term, if any).
    ///   - elapsed: From the resume until after `log` was read.
    static func actedAfterResume(_ log: String, elapsed: Duration) -> [String] {
        let acted = actingMarkers.filter { log.contains($0) }
        guard !acted.isEmpty else { return [] }
        let writes = consulWriteDurations(in: log)
        if writes.isEmpty || writes.contains(where: { $0 < elapsed }) { return acted }
        return acted.filter { secretsManagerMarkers.contains($0) }
    }

    private static let secretsManagerMarkers: Set = ["Created token secret", "Stored new token IDs"]

    /// The durations of the Consul writes (PUT, DELETE) the log shows, answered or not.
    static func consulWriteDurations(in log: String) -> [Duration] {
        log.split(separator: "\n").compactMap { line -> Duration? in
            guard line.contains("[Consul] Consul call"),
                  line.contains("consul.method=PUT") || line.contains("consul.method=DELETE"),
                  let range = line.range(of: "consul.duration_ms=") else { return nil }
            let digits = line[range.upperBound...].prefix { $0.isNumber }
            return Int(digits).map { .milliseconds($0) }
        }
    }
}
