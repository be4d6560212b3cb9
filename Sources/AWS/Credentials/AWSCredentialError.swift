public import ErrorClassification

/// Why credentials could not be obtained.
///
/// Messages name settings and HTTP statuses, never a key, token or secret.
public struct AWSCredentialError: Error, Sendable, CustomStringConvertible, TransientClassifiable {
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

        /// The container endpoint failing or answering garbage may pass; missing or unusable
        /// settings will not until someone fixes them.
        fileprivate var isTransient: Bool {
            switch base {
            case .endpointFailed, .invalidResponse: true
            case .notConfigured, .notFound, .invalidConfiguration: false
            }
        }
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

    /// The work queue's class: transient when the credentials endpoint failed, permanent when no
    /// usable credentials are configured.
    public var isTransient: Bool { code.isTransient }

    public var description: String { "AWS credentials \(code): \(message)" }
}
