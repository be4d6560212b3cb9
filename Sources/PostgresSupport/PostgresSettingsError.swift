/// A URL or setting that cannot be used to connect, naming the part that is wrong (`port`,
/// `sslmode`, ...). Never holds the password or the URL it came from.
public struct PostgresSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The part of the URL, or the setting, that is wrong: `scheme`, `host`, `port`, `user`,
    /// `database`, `sslmode`, `sslrootcert`, `connect_timeout`, a query parameter's name, or `password`.
    public let field: String
    /// What is wrong, in a sentence that names no secret.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
