import Foundation

/// Where the controller's work time went, from its `/metrics`: calls and seconds per AWS operation
/// (`mesh_aws_request_duration_seconds`), per Consul operation (`mesh_consul_request_duration_seconds`)
/// and work attempts per key kind (`mesh_work_attempt_duration_seconds`), each summed over the calls
/// (concurrent calls add up). Read before and after a phase; ``since(_:)`` is the phase. The moto share
/// (AWS seconds of work seconds) is what the controller cannot speed up itself: issue #16 asks for it.
struct WorkTimeShare: CustomStringConvertible {
    /// Count and summed seconds of one series.
    struct Tally: Equatable {
        var count = 0.0
        var seconds = 0.0
    }

    /// By operation, e.g. `DescribeTasks`, `GetSecretValue`.
    var aws: [String: Tally] = [:]
    /// By operation, e.g. `PUT /v1/txn`, `GET /v1/acl/token`.
    var consul: [String: Tally] = [:]
    /// By key kind, e.g. `task`, `service`.
    var work: [String: Tally] = [:]

    var awsSeconds: Double { aws.values.reduce(0) { $0 + $1.seconds } }
    var consulSeconds: Double { consul.values.reduce(0) { $0 + $1.seconds } }
    var workSeconds: Double { work.values.reduce(0) { $0 + $1.seconds } }

    /// The histograms read: metric, the label that names a tally, where it goes.
    private static var series: [(String, String, WritableKeyPath<WorkTimeShare, [String: Tally]>)] { [
        ("mesh_aws_request_duration_seconds", "operation", \.aws),
        ("mesh_consul_request_duration_seconds", "operation", \.consul),
        ("mesh_work_attempt_duration_seconds", "kind", \.work),
    ] }

    /// The tallies in a Prometheus text exposition.
    static func parse(_ text: String) -> WorkTimeShare {
        var share = WorkTimeShare()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            for (metric, label, path) in Self.series {
                guard name == metric + "_sum" || name == metric + "_count" else { continue }
                let key = MetricsText.label(label, in: line) ?? "?"
                if name.hasSuffix("_sum") {
                    share[keyPath: path][key, default: Tally()].seconds += value
                } else {
                    share[keyPath: path][key, default: Tally()].count += value
                }
            }
        }
        return share
    }

    func since(_ earlier: WorkTimeShare) -> WorkTimeShare {
        func minus(_ now: [String: Tally], _ then: [String: Tally]) -> [String: Tally] {
            var result: [String: Tally] = [:]
            for (key, tally) in now {
                let delta = Tally(count: tally.count - (then[key]?.count ?? 0),
                                  seconds: tally.seconds - (then[key]?.seconds ?? 0))
                if delta.count > 0 { result[key] = delta }
            }
            return result
        }
        return WorkTimeShare(aws: minus(aws, earlier.aws), consul: minus(consul, earlier.consul),
                             work: minus(work, earlier.work))
    }

    /// The table cell: the AWS (moto) share of the work time.
    var description: String {
        guard workSeconds > 0 else { return "–" }
        return String(format: "%.0f %% (%.2f s of %.2f s)", 100 * awsSeconds / workSeconds, awsSeconds, workSeconds)
    }

    /// One line: work seconds per kind, then AWS per operation and Consul in all, as
    /// `name count × mean ms = seconds`, largest first.
    var breakdown: String {
        func items(_ tallies: [String: Tally]) -> String {
            tallies.sorted { $0.value.seconds > $1.value.seconds }.map { name, tally in
                name + String(format: " %.0f × %.0f ms = %.2f s", tally.count,
                              1000 * tally.seconds / max(tally.count, 1), tally.seconds)
            }.joined(separator: ", ")
        }
        let consulCalls = consul.values.reduce(0) { $0 + $1.count }
        let consulTotal = String(format: "%.0f calls = %.2f s", consulCalls, consulSeconds)
        return "work attempts: \(items(work)); AWS (moto): \(items(aws)); Consul: \(consulTotal) (\(items(consul)))"
    }
}
