public import Foundation

/// A short-lived helper program (python3 with boto3, prometheus_client, ...) run to completion.
///
/// Why not `Process` inline: `waitUntilExit` and `readDataToEndOfFile` block their thread, and the
/// test process's cooperative pool has only as many threads as cores (two here). Two integration
/// tests waiting on boto3 that way starved every other test in the run for seconds, which made
/// unrelated timing assertions fail. This runs the blocking part on threads of its own and resumes
/// the caller when the program has exited.
public enum Subprocess {
    /// What the program wrote and how it ended.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: Data
        public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `arguments` through `/usr/bin/env` (so `python3` is found on `PATH`), feeding `input`.
    /// - Throws: When the program cannot start.
    public static func run(_ arguments: [String], input: Data? = nil) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(arguments, input: input) })
            }
            thread.name = "test-subprocess"
            thread.start()
        }
    }

    private static func runBlocking(_ arguments: [String], input: Data?) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try stdin.fileHandleForWriting.close()
        }
        // stderr on a thread of its own, so neither pipe can fill up while the other is read.
        let errors = ErrorsReader(stderr.fileHandleForReading)
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = errors.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: output, stderr: errorOutput)
    }

    /// Reads one pipe to its end on a background thread.
    private final class ErrorsReader: @unchecked Sendable {
        // Safety: `data` is written once by the reader thread before `done` is signalled, and read
        // only after `wait()` has seen that signal.
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            let thread = Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
            thread.start()
        }

        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
