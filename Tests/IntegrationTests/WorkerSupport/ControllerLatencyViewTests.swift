import Testing

/// ``ControllerLatencyView``: reads the two histograms from an exposition and sums a phase right.
struct ControllerLatencyViewTests {
    /// Two scrapes as the controller prints them (other series and routes mixed in).
    static func exposition(ingest: [Int], commits: [Int]) -> String {
        let bounds = ["0.001", "0.005", "0.01", "0.025", "+Inf"]
        var lines = ["# TYPE mesh_http_request_duration_seconds histogram"]
        for (bound, count) in zip(bounds, ingest) {
            lines.append(#"mesh_http_request_duration_seconds_bucket{listener="public",route="/v1/events",le="\#(bound)"} \#(count)"#)
            lines.append(#"mesh_http_request_duration_seconds_bucket{listener="public",route="/v1/heartbeats",le="\#(bound)"} 7"#)
        }
        lines.append(#"mesh_http_request_duration_seconds_sum{listener="public",route="/v1/events"} 1.5"#)
        for (bound, count) in zip(bounds, commits) {
            lines.append(#"mesh_journal_commit_duration_seconds_bucket{le="\#(bound)"} \#(count)"#)
        }
        lines.append(#"mesh_journal_commit_duration_seconds_count 99"#)
        return lines.joined(separator: "\n")
    }

    @Test func since_whenTwoScrapes_countsOnlyThePhase() {
        // Given: 10 requests before the phase, 110 after (100 in it: 90 within 5 ms, 99 within 10 ms)
        let before = ControllerLatencyView.parse(Self.exposition(ingest: [5, 10, 10, 10, 10], commits: [1, 2, 2, 2, 2]))
        let after = ControllerLatencyView.parse(Self.exposition(ingest: [20, 100, 109, 110, 110], commits: [50, 190, 197, 201, 202]))
        // When
        let phase = after.since(before)
        // Then
        #expect(phase.ingest.count == 100)
        #expect(phase.ingest.over(0.01) == 1)
        #expect(phase.ingest.bound(holding: 0.99) == 0.01)
        #expect(phase.ingest.bound(holding: 0.90) == 0.005)
        #expect(phase.commits.count == 200)
        #expect(phase.commits.over(0.025) == 1)
        #expect(phase.summary.contains("100 requests, p99 ≤ 10 ms, 1 over 10 ms"))
        #expect(phase.summary.contains("journal commits: 200, p99 ≤ 25 ms, 5 over 10 ms, 1 over 25 ms"))
    }

    @Test func bound_whenTheTailIsBeyondTheLastBucket_saysSo() {
        // Given: 2 of 100 over the largest finite bound
        let view = ControllerLatencyView.parse(Self.exposition(ingest: [0, 50, 90, 98, 100], commits: [0, 0, 0, 0, 0]))
        // Then
        #expect(view.ingest.bound(holding: 0.99) == .infinity)
        #expect(view.summary.contains("p99 over the largest bucket"))
        #expect(view.summary.contains("journal commits: 0, p99 –"))
    }

    @Test func summary_whenP99IsUnderAMillisecond_printsTheBoundAsIs() {
        // Given: every commit within 0.5 ms (a bucket the controller has)
        let text = #"mesh_journal_commit_duration_seconds_bucket{le="0.0005"} 10"# + "\n"
            + #"mesh_journal_commit_duration_seconds_bucket{le="+Inf"} 10"#
        // Then
        #expect(ControllerLatencyView.parse(text).summary.contains("journal commits: 10, p99 ≤ 0.5 ms"))
    }
}
