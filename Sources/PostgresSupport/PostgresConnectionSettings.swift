import ByteCoding

/// Where and how to connect to PostgreSQL: the parts of a libpq-style URL
/// (`postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=/path/ca.pem`),
/// with the password possibly from elsewhere (a file or an environment variable, so that it stays
/// out of the URL).
///
/// ``description`` never shows the password: log the settings, never the URL they came from.
///
/// ```swift
/// let settings = try PostgresConnectionSettings(url: "postgres://mesh@db.internal/mesh?sslmode=verify-full",
///                                               password: passwordFromFile)
/// let client = try PostgresClientFactory.makeClient(settings, logger: logger)
/// ```
public struct PostgresConnectionSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// libpq's `sslmode` values that this client supports (`allow` is not: it would fall back to
    /// plain text on a server that refuses TLS in the other direction too).
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS if the server offers it, without verifying its certificate (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is verified against `sslrootcert` only if one is
        /// given (as libpq does), otherwise not at all.
        case require
        /// TLS, with the server's certificate chain verified (not its name).
        case verifyCA = "verify-ca"
        /// TLS, with the chain and the host name verified.
        case verifyFull = "verify-full"
    }

    /// libpq's default port.
    public static let defaultPort = 5432
    /// libpq's default `sslmode`.
    public static let defaultSSLMode = SSLMode.prefer
    /// Seconds to wait for a TCP connection when the URL sets no `connect_timeout`.
    public static let defaultConnectTimeoutSeconds = 10

    public var host: String
    public var port: Int
    public var username: String
    /// The password, from the URL or from elsewhere; `nil` for none (trust or certificate auth).
    public var password: String?
    /// The database; libpq's default is the user name.
    public var database: String
    public var sslMode: SSLMode
    /// A PEM file of the certificate authorities to trust (`sslrootcert`); `nil` for the system's.
    public var sslRootCertPath: String?
    /// Seconds to wait for a TCP connection (`connect_timeout`).
    public var connectTimeoutSeconds: Int
    /// `application_name`, shown in `pg_stat_activity`.
    public var applicationName: String?
    /// How long the server lets a session sit idle inside a transaction before it ends the session
    /// (`idle_in_transaction_session_timeout`, sent at login); `nil` keeps the server's setting.
    ///
    /// A process paused or cut off in the middle of a transaction (SIGSTOP, a frozen VM, a network
    /// partition that leaves the TCP connection open) keeps that transaction's locks until its
    /// session ends. Not a URL parameter: the controller sets it from its lease
    /// (``PostgresClientFactory/startupParameters(_:)`` sends it).
    public var idleInTransactionTimeout: Duration?

    public init(host: String, port: Int = Self.defaultPort, username: String, password: String? = nil,
                database: String? = nil, sslMode: SSLMode = Self.defaultSSLMode, sslRootCertPath: String? = nil,
                connectTimeoutSeconds: Int = Self.defaultConnectTimeoutSeconds, applicationName: String? = nil,
                idleInTransactionTimeout: Duration? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database ?? username
        self.sslMode = sslMode
        self.sslRootCertPath = sslRootCertPath
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.idleInTransactionTimeout = idleInTransactionTimeout
    }

    /// The settings as a URL with the password replaced by `***` (absent when there is none).
    public var description: String {
        var text = "postgres://" + PercentEncoding.encode(username)
        if password != nil { text += ":***" }
        let hostText = host.contains(":") ? "[\(host)]" : host
        text += "@\(hostText):\(port)/" + PercentEncoding.encode(database)
        var query = ["sslmode=\(sslMode.rawValue)"]
        if let sslRootCertPath { query.append("sslrootcert=" + PercentEncoding.encode(sslRootCertPath) { PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: "/") }) }
        if connectTimeoutSeconds != Self.defaultConnectTimeoutSeconds { query.append("connect_timeout=\(connectTimeoutSeconds)") }
        if let applicationName { query.append("application_name=" + PercentEncoding.encode(applicationName)) }
        return text + "?" + query.joined(separator: "&")
    }

    public var debugDescription: String { description }
}
