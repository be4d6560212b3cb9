public import Foundation

/// Paths in this repository, for tests that run its scripts (`deploy/local/...`).
public enum Repository {
    /// The repository's root directory.
    public static var root: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The absolute path of `relative`, e.g. `deploy/local/pg-cluster.sh`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }
}
