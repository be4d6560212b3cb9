public import ErrorClassification
import Foundation
public import Logging
import NIOSSL
public import PostgresNIO

/// Makes the one kind of ``PostgresClient`` the controller uses, from ``PostgresConnectionSettings``.
///
/// The client must run (``PostgresClient/run()``, or as a service of a `ServiceGroup`) for as long as
/// it is used; ``withClient(_:logger:_:)`` does that around a closure.
public enum PostgresClientFactory {
    /// The client's configuration: host, credentials and TLS as the settings say.
    ///
    /// TLS follows libpq's `sslmode`: `disable` none; `prefer` TLS when offered, unverified;
    /// `require` TLS, verified against `sslrootcert` when one is given (chain only), else not
    /// verified; `verify-ca` the chain; `verify-full` the chain and the host name. Without
    /// `sslrootcert`, the verifying modes trust the system's certificate authorities.
    /// - Parameter maxConnections: The pool's largest number of connections.
    /// - Throws: ``ConfigurationError`` (`sslrootcert`) when the file of authorities cannot be read.
    public static func configuration(_ settings: PostgresConnectionSettings,
                                     maxConnections: Int = 10) throws(ConfigurationError) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: try tls(settings))
        configuration.options.connectTimeout = .seconds(settings.connectTimeoutSeconds)
        configuration.options.maximumConnections = max(1, maxConnections)
        configuration.options.additionalStartupParameters = startupParameters(settings)
        return configuration
    }

    /// The run-time parameters sent at login: `application_name` and
    /// `idle_in_transaction_session_timeout` (whole milliseconds, at least 1), when the settings
    /// give them.
    public static func startupParameters(_ settings: PostgresConnectionSettings) -> [(String, String)] {
        var parameters: [(String, String)] = []
        if let applicationName = settings.applicationName {
            parameters.append(("application_name", applicationName))
        }
        if let timeout = settings.idleInTransactionTimeout {
            let milliseconds = max(1, Int((timeout / .milliseconds(1)).rounded(.up)))
            parameters.append(("idle_in_transaction_session_timeout", String(milliseconds)))
        }
        return parameters
    }

    /// A client for `settings` that logs its background work (never the password) to `logger`.
    /// - Throws: ``ConfigurationError`` as ``configuration(_:maxConnections:)`` does.
    public static func makeClient(_ settings: PostgresConnectionSettings, maxConnections: Int = 10,
                                  logger: Logger) throws(ConfigurationError) -> PostgresClient {
        PostgresClient(configuration: try configuration(settings, maxConnections: maxConnections), backgroundLogger: logger)
    }

    /// Runs a client for `settings` while `body` runs, and stops it afterwards.
    /// - Throws: ``ConfigurationError``, or what `body` throws.
    public static func withClient<Result: Sendable>(
        _ settings: PostgresConnectionSettings, maxConnections: Int = 10, logger: Logger,
        _ body: @Sendable (PostgresClient) async throws -> Result
    ) async throws -> Result {
        let client = try makeClient(settings, maxConnections: maxConnections, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// One connection for `settings`, outside any pool: it fails at once when the server refuses
    /// (a pool retries), and it suits a `LISTEN` that must stay on one connection.
    /// - Throws: ``ConfigurationError`` for the settings, or PostgresNIO's error when the
    ///   connection or the login fails (never holding the password).
    public static func connect(_ settings: PostgresConnectionSettings, id: Int = 1,
                               logger: Logger) async throws -> PostgresConnection {
        let (mode, tlsConfiguration) = try tlsChoice(settings)
        let tls: PostgresConnection.Configuration.TLS
        switch mode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require: tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: tls)
        configuration.options.connectTimeout = .seconds(Int64(settings.connectTimeoutSeconds))
        configuration.options.additionalStartupParameters = startupParameters(settings)
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }

    private enum TLSMode { case disable, prefer, require }

    private static func tls(_ settings: PostgresConnectionSettings) throws(ConfigurationError) -> PostgresClient.Configuration.TLS {
        let (mode, configuration) = try tlsChoice(settings)
        switch mode {
        case .disable: return .disable
        case .prefer: return .prefer(configuration)
        case .require: return .require(configuration)
        }
    }

    /// libpq's `sslmode` as PostgresNIO's three modes and a verification policy.
    private static func tlsChoice(_ settings: PostgresConnectionSettings) throws(ConfigurationError) -> (TLSMode, TLSConfiguration) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = settings.sslRootCertPath {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfigurationError.postgres(field: "sslrootcert", reason: "cannot read \(path)")
            }
            tls.trustRoots = .file(path)
        }
        switch settings.sslMode {
        case .disable:
            return (.disable, tls)
        case .prefer:
            tls.certificateVerification = .none
            return (.prefer, tls)
        case .require:
            tls.certificateVerification = settings.sslRootCertPath == nil ? .none : .noHostnameVerification
            return (.require, tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return (.require, tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return (.require, tls)
        }
    }
}
