import Foundation
import MeshModel
import Testing

/// Decoding throughput, for people measuring by hand: `BENCH=1 swift test -c release --filter EventDecoderBenchmarkTests`.
/// Prints µs per event; asserts only that every decode succeeded (timing is never an assertion).
struct EventDecoderBenchmarkTests {
    /// Decodes the running sample 100,000 times and prints the cost per event.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BENCH"] == "1"))
    func decode_whenRunningSampleRepeated_printsMicrosecondsPerEvent() throws {
        // Given
        let body = try EventFixtures.running()
        let decoder = EventDecoder()
        let iterations = 100_000
        var decoded = 0

        // When
        let elapsed = try ContinuousClock().measure {
            for _ in 0..<iterations { decoded += try decoder.decode(body).count }
        }

        // Then
        let micros = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        print("EventDecoder: \(String(format: "%.2f", micros / Double(iterations))) µs/event over \(iterations) decodes of \(body.count) bytes")
        #expect(decoded == iterations)
    }
}
