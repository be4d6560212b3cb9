/// A setting (environment variable) that is missing or invalid.
///
/// Raised at startup so the process can fail fast and name the key to fix.
public struct AWSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting at fault, e.g. `AWS_REGION`.
    public var key: String
    /// What is wrong with it. Never contains the value of a credential or token.
    public var reason: String

    /// Creates an error naming `key`.
    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "AWS configuration \(key): \(reason)" }
}
