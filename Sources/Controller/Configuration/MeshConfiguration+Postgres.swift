public import ErrorClassification
import Foundation
public import PostgresSupport

extension MeshConfiguration.Journal.Postgres {
    /// The connection settings: the URL parsed, with the password from the URL, `password` or
    /// `passwordFile` (read now, trimmed).
    /// - Throws: ``ConfigurationError`` naming the key that is missing or wrong; the reason names
    ///   the part of the URL (`sslmode`, `port`, ...) and never holds the password.
    public func connectionSettings() throws(ConfigurationError) -> PostgresConnectionSettings {
        guard let url, !url.isEmpty else {
            throw ConfigurationError(key: "journal.postgres.url", reason: "must be set when journal.backend is postgres")
        }
        if password != nil, passwordFile != nil {
            throw ConfigurationError(key: "journal.postgres.passwordFile",
                                     reason: "set journal.postgres.password or journal.postgres.passwordFile, not both")
        }
        var separate = password
        if separate == nil { separate = try MeshConfiguration.readSecretFile(passwordFile, key: "journal.postgres.passwordFile") }
        do {
            return try PostgresConnectionSettings(url: url, password: separate)
        } catch {
            throw ConfigurationError(key: "journal.postgres.url", reason: error.description)
        }
    }

    /// Checks the settings as ``connectionSettings()`` reads them, and that `sslrootcert` is readable.
    func validate() throws(ConfigurationError) {
        let settings = try connectionSettings()
        do {
            _ = try PostgresClientFactory.configuration(settings, maxConnections: maxConnections)
        } catch {
            throw ConfigurationError(key: "journal.postgres.url", reason: error.description)
        }
    }
}

extension MeshConfiguration {
    /// The journal's connection settings as this controller uses them: those of `journal.postgres`,
    /// with the server ending any session left idle inside a transaction for half a lease
    /// (`ha.leaseSeconds` / 2).
    ///
    /// The leader's fenced journal writes hold the lease row `FOR SHARE` until they commit, so that
    /// no write of an old term commits after a new term begins. A leader paused in the middle of
    /// one (SIGSTOP, a frozen VM) would otherwise keep that lock, and with it every other
    /// replica's takeover, for as long as it stays paused. With the limit the server ends its
    /// session before the lease runs out, and failover waits for the lease alone.
    public func postgresConnectionSettings() throws(ConfigurationError) -> PostgresConnectionSettings {
        var settings = try journal.postgres.connectionSettings()
        settings.idleInTransactionTimeout = .milliseconds(Int64((ha.leaseSeconds * 500).rounded(.up)))
        return settings
    }
}
