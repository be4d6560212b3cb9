public import Logging

/// Logging defaults for the AWS module.
public enum AWSLogging {
    /// A logger that drops everything, the default when a caller passes none (as AsyncHTTPClient does).
    public static let noop = Logger(label: "aws-do-not-log", factory: { _ in SwiftLogNoOpLogHandler() })
}
