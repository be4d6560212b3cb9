/// Why credentials could not be obtained.
///
/// Messages name settings and HTTP statuses, never a key, token or secret.
public struct AWSCredentialError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; compare against the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case notConfigured, notFound, invalidConfiguration, endpointFailed, invalidResponse
        }

        private let base: Base

        /// This provider's settings are absent; a chain moves on to the next provider.
        public static let notConfigured = Code(base: .notConfigured)
        /// No provider in the chain is configured.
        public static let notFound = Code(base: .notFound)
        /// Settings are present but unusable (partial keys, disallowed endpoint, bad token).
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The container credentials endpoint could not be reached or answered with an error.
        public static let endpointFailed = Code(base: .endpointFailed)
        /// The endpoint answered 200 with something that is not a credentials document.
        public static let invalidResponse = Code(base: .invalidResponse)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// A human explanation, free of secrets.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "AWS credentials \(code): \(message)" }
}
