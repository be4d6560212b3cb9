import Foundation
import MeshTestSupport
import Testing

/// `ecs-mesh-controller check-config` as operators run it: the real executable, a clean environment.
@Suite(.enabled(if: ControllerProcess.isAvailable, "needs MESH_CONTROLLER_BIN (deploy/local/test.sh)"))
struct CheckConfigTests {
    /// Runs `check-config` with only `environment` (plus PATH) set.
    private func checkConfig(_ environment: [String: String], file: String? = nil) async throws -> Subprocess.Output {
        let binary = try #require(ControllerProcess.binaryPath)
        let assignments = environment.map { "\($0.key)=\($0.value)" }.sorted()
        return try await Subprocess.run(["-i"] + assignments + [binary, "check-config"] + (file.map { ["--config", $0] } ?? []))
    }

    /// A misspelled MESH_ variable fails the check (exit 78) and is named on stderr.
    @Test func checkConfig_whenUnknownMeshVariable_exitsNonZeroNamingIt() async throws {
        // Given
        let environment = ["MESH_WEBHOOK_API_KEY": "0123456789abcdef-key", "MESH_JOURNAL_BACKNED": "postgres"]
        // When
        let output = try await checkConfig(environment)
        // Then
        #expect(output.status == 78)
        #expect(output.stderrText.contains("MESH_JOURNAL_BACKNED"))
        #expect(!output.stderrText.contains("postgres"), "only names are printed, never values")
    }

    /// The same settings without the misspelling pass; the operator subcommands' variable is known too.
    @Test func checkConfig_whenEveryVariableKnown_passes() async throws {
        // When
        let output = try await checkConfig([
            "MESH_WEBHOOK_API_KEY": "0123456789abcdef-key", "MESH_LOG_LEVEL": "debug",
            "MESH_ADMIN_ADDR": "http://127.0.0.1:8081",  // read by the operator subcommands
        ])
        // Then
        #expect(output.status == 0, "stderr: \(output.stderrText)")
        #expect(String(decoding: output.stdout, as: UTF8.self).contains("configuration ok"))
    }

    /// A misspelled key in the configuration file fails the check too, named by its path.
    @Test func checkConfig_whenFileHasMisspelledKey_exitsNonZeroNamingIt() async throws {
        // Given
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("check-config-\(UUID().uuidString).yaml").path
        try "webhook:\n  apiKey: \"0123456789abcdef-key\"\njournal:\n  backned: postgres\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // When
        let output = try await checkConfig([:], file: path)
        // Then
        #expect(output.status == 78)
        #expect(output.stderrText.contains("journal.backned"))
    }
}
