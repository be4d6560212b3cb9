import AWS
import Foundation
import InMemoryLogging
import Logging
import Synchronization

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var closure: @Sendable () -> Date { { self.now } }
}

/// A logger at trace level that keeps what it logs.
func makeCapturingLogger() -> (Logger, InMemoryLogHandler) {
    let handler = InMemoryLogHandler()
    var logger = Logger(label: "aws-tests", factory: { _ in handler })
    logger.logLevel = .trace
    return (logger, handler)
}

/// Everything a log captured, as one string (messages and metadata), to search for leaks.
func renderedLog(_ handler: InMemoryLogHandler) -> String {
    handler.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
}

/// Test credentials (the suite's example keys).
let exampleCredentials = AWSCredentials(
    accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

/// A provider that counts calls and returns scripted results.
final class ScriptedCredentialProvider: AWSCredentialProvider {
    private let state: Mutex<(calls: Int, results: [Result<AWSCredentials, any Error>])>

    init(_ results: [Result<AWSCredentials, any Error>]) {
        state = Mutex((0, results))
    }

    var calls: Int { state.withLock { $0.calls } }

    func credentials() async throws -> AWSCredentials {
        try state.withLock { state in
            let result = state.results[min(state.calls, state.results.count - 1)]
            state.calls += 1
            return try result.get()
        }
    }
}
