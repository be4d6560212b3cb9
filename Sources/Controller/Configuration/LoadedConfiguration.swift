/// A validated configuration, and what the loader found that no setting reads.
///
/// A misspelled variable (`MESH_JOURNAL_BACKNED`) or file key would otherwise be ignored in
/// silence: `serve` names these in a warning at start, and `check-config` fails on them.
public struct LoadedConfiguration: Sendable, Equatable {
    public var configuration: MeshConfiguration
    /// `MESH_` environment variables that no setting reads, sorted.
    public var unknownVariables: [String]
    /// Keys of the configuration file that no setting reads (dotted, `journal.backned`), sorted.
    public var unknownFileKeys: [String]

    public init(configuration: MeshConfiguration, unknownVariables: [String] = [], unknownFileKeys: [String] = []) {
        self.configuration = configuration
        self.unknownVariables = unknownVariables
        self.unknownFileKeys = unknownFileKeys
    }

    /// Whether anything was set that no setting reads.
    public var hasUnknownSettings: Bool {
        !unknownVariables.isEmpty || !unknownFileKeys.isEmpty
    }

    /// One line naming every unknown variable and file key, e.g.
    /// `unknown settings (no setting reads them): environment MESH_JOURNAL_BACKNED; file journal.backned`.
    public var unknownSettingsDescription: String {
        var parts: [String] = []
        if !unknownVariables.isEmpty { parts.append("environment " + unknownVariables.joined(separator: ", ")) }
        if !unknownFileKeys.isEmpty { parts.append("file " + unknownFileKeys.joined(separator: ", ")) }
        return "unknown settings (no setting reads them): " + parts.joined(separator: "; ")
    }
}
