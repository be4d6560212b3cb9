@testable import Journal
import Testing

/// The SQLite journal's signal streams: a consumer that lags loses keys, never the news that it did.
struct WorkSignalHubTests {
    /// Past its buffer a stream drops commits, then owes an empty array ("re-read the work table"),
    /// which comes before any later keys; a second stream is unaffected by the first one's lag.
    @Test func publish_whenStreamBufferOverflows_yieldsRescanBeforeLaterKeys() async throws {
        // Given a stream nobody reads while more commits than its buffer holds are published
        let hub = WorkSignalHub()
        var lagging = hub.stream().makeAsyncIterator()
        for index in 0..<(WorkSignalHub.bufferLimit + 5) { hub.publish(["task:\(index)"]) }

        // When the consumer catches up and one more commit is published
        var drained: [[String]] = []
        for _ in 0..<WorkSignalHub.bufferLimit { drained.append(try #require(await lagging.next())) }
        var fresh = hub.stream().makeAsyncIterator()
        hub.publish(["task:late"])
        hub.publish([])

        // Then
        #expect(drained.first == ["task:0"])
        #expect(drained.last == ["task:\(WorkSignalHub.bufferLimit - 1)"])
        let rescan = await lagging.next()
        let late = await lagging.next()
        #expect(rescan == [], "the dropped commits are announced as a rescan")
        #expect(late == ["task:late"])
        let freshFirst = await fresh.next()
        #expect(freshFirst == ["task:late"], "an empty commit publishes nothing")
        hub.finish()
        let ended = await fresh.next()
        #expect(ended == nil)
    }
}
