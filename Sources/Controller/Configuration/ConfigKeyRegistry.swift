import HeartbeatAgent

/// The configuration keys that settings read, recorded while ``MeshConfiguration/loadReport(filePath:environment:)``
/// reads them, and what in the environment or the file matches none of them.
///
/// One load owns one registry (a reference so that the value readers can share it); not shared
/// across threads.
final class ConfigKeyRegistry {
    private(set) var keys: Set<String> = []

    /// `MESH_` variables that are not settings of this program but are expected next to it: the
    /// heartbeat sidecar's own settings, and the variables of this repository's test and benchmark
    /// scripts (`deploy/local`), which export them to the controllers they start.
    /// (`deploy/local/stack.sh` writes the `MESH_TEST_*` ones into the env file that test.sh and run.sh source.)
    static let variablesOfOtherPrograms: Set<String> = HeartbeatAgentConfiguration.environmentVariables.union([
        "MESH_INTEGRATION", "MESH_CONTROLLER_BIN", "MESH_HEARTBEAT_BIN", "MESH_TEST_LOG_LEVEL",
        "MESH_TEST_STACK_STATE_DIR", "MESH_TEST_POSTGRES_URL", "MESH_TEST_POSTGRES_ADMIN_URL", "MESH_TEST_POSTGRES_PID",
    ])

    func note(_ key: String) {
        keys.insert(key)
    }

    /// The `MESH_` variables in `environment` that no setting reads, sorted.
    func unknownVariables(in environment: [String: String]) -> [String] {
        let known = Set(keys.map(Self.environmentName(forKey:))).union(Self.variablesOfOtherPrograms)
        return environment.keys.filter { $0.hasPrefix("MESH_") && !known.contains($0) }.sorted()
    }

    /// The keys of `fileKeys` (dotted, as ``ConfigFileKeys`` lists them) that no setting reads, sorted.
    func unknownFileKeys(_ fileKeys: [String]) -> [String] {
        fileKeys.filter { !keys.contains($0) }.sorted()
    }

    /// The variable that sets `key`: `MESH_` and the key in swift-configuration's environment
    /// spelling (`server.maxBodyBytes` → `MESH_SERVER_MAX_BODY_BYTES`); keys under `mesh.` are not
    /// prefixed twice (`mesh.secretsPrefix` → `MESH_SECRETS_PREFIX`).
    static func environmentName(forKey key: String) -> String {
        let encoded = environmentEncoding(of: key)
        return key.hasPrefix("mesh.") ? encoded : "MESH_" + encoded
    }

    /// swift-configuration's `EnvironmentKeyEncoder` rules: an underscore at each lower-to-upper
    /// case boundary and between components, upper case, anything but letters and digits as `_`.
    static func environmentEncoding(of key: String) -> String {
        key.split(separator: ".", omittingEmptySubsequences: false).map { component in
            var word = ""
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { word.append("_") }
                word.append(character.isLetter || character.isNumber ? character : "_")
                previous = character
            }
            return word.uppercased()
        }.joined(separator: "_")
    }
}
