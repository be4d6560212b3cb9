import Foundation

/// The controller's own view of a phase's latency, from two histograms of its `/metrics`: the time
/// its `POST /v1/events` handler took (`mesh_http_request_duration_seconds`, route `/v1/events`:
/// decoding, the journal commit, waking the workers) and the time each journal commit took
/// (`mesh_journal_commit_duration_seconds`: the SQLite transaction and its fsync).
///
/// The benchmark's 202 figures are taken by the load generator, so they also hold the HTTP hops,
/// the kernel and the load generator's own scheduling. Put next to them, these tell a reader which
/// part of a tail the controller's handler and the disk account for (issue #16).
struct ControllerLatencyView {
    /// Cumulative bucket counts by upper bound in seconds (Prometheus `le`), `+Inf` included.
    struct Histogram: Equatable {
        var buckets: [Double: Double] = [:]

        var count: Double { buckets[.infinity] ?? 0 }

        /// How many observations took longer than `seconds` (a bucket bound).
        func over(_ seconds: Double) -> Double {
            count - (buckets[seconds] ?? 0)
        }

        /// The least bucket bound that holds fraction `q` of the observations: "p99 ≤ bound".
        func bound(holding q: Double) -> Double? {
            guard count > 0 else { return nil }
            return buckets.keys.sorted().first { buckets[$0, default: 0] >= q * count }
        }

        func since(_ earlier: Histogram) -> Histogram {
            Histogram(buckets: buckets.merging(earlier.buckets.mapValues { -$0 }, uniquingKeysWith: +))
        }
    }

    var ingest = Histogram()
    var commits = Histogram()

    /// The two histograms in a Prometheus text exposition.
    static func parse(_ text: String) -> ControllerLatencyView {
        var view = ControllerLatencyView()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            guard let value = line.split(separator: " ").last.flatMap({ Double($0) }),
                  let bound = MetricsText.label("le", in: line).flatMap(Self.seconds) else { continue }
            if name == "mesh_journal_commit_duration_seconds_bucket" {
                view.commits.buckets[bound, default: 0] += value
            } else if name == "mesh_http_request_duration_seconds_bucket",
                      MetricsText.label("route", in: line) == "/v1/events" {
                view.ingest.buckets[bound, default: 0] += value
            }
        }
        return view
    }

    private static func seconds(_ le: String) -> Double? {
        le == "+Inf" ? .infinity : Double(le)
    }

    func since(_ earlier: ControllerLatencyView) -> ControllerLatencyView {
        ControllerLatencyView(ingest: ingest.since(earlier.ingest), commits: commits.since(earlier.commits))
    }

    /// One line for the benchmark's output.
    var summary: String {
        func ms(_ seconds: Double?) -> String {
            guard let seconds else { return "–" }
            // %g keeps the sub-millisecond bounds (0.25, 0.5 ms) that rounding would turn into 0 or 1.
            return seconds.isInfinite ? "over the largest bucket" : "≤ " + String(format: "%g", seconds * 1000) + " ms"
        }
        func count(_ value: Double) -> String { String(Int(value.rounded())) }
        return "its `POST /v1/events` handler: \(count(ingest.count)) requests, p99 \(ms(ingest.bound(holding: 0.99))), "
            + "\(count(ingest.over(0.01))) over 10 ms; journal commits: \(count(commits.count)), "
            + "p99 \(ms(commits.bound(holding: 0.99))), \(count(commits.over(0.01))) over 10 ms, "
            + "\(count(commits.over(0.025))) over 25 ms"
    }
}
