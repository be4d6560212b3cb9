import ErrorClassification
import PostgresNIO
import PostgresSupport
import Testing

/// The libpq-style URL, its defaults, its errors (naming the part, never the password) and its
/// redacted description.
struct PostgresConnectionSettingsTests {
    /// Every part of a full URL is read, percent escapes decoded.
    @Test func init_whenFullURL_readsEveryPart() throws {
        // When
        let settings = try PostgresConnectionSettings(
            url: "postgresql://mesh%40corp:p%2Fss%3Aw@db.internal:6543/mesh_journal?sslmode=verify-full"
                + "&sslrootcert=/etc/ssl/rds.pem&connect_timeout=3&application_name=mesh%20ctl")
        // Then
        #expect(settings.username == "mesh@corp")
        #expect(settings.password == "p/ss:w")
        #expect(settings.host == "db.internal")
        #expect(settings.port == 6543)
        #expect(settings.database == "mesh_journal")
        #expect(settings.sslMode == .verifyFull)
        #expect(settings.sslRootCertPath == "/etc/ssl/rds.pem")
        #expect(settings.connectTimeoutSeconds == 3)
        #expect(settings.applicationName == "mesh ctl")
    }

    /// libpq's defaults: port 5432, the database named after the user, sslmode prefer.
    @Test func init_whenMinimalURL_takesLibpqDefaults() throws {
        // When
        let settings = try PostgresConnectionSettings(url: "postgres://mesh@[::1]", password: "from-file")
        // Then
        #expect(settings == PostgresConnectionSettings(host: "::1", port: 5432, username: "mesh", password: "from-file",
                                                       database: "mesh", sslMode: .prefer))
    }

    /// Each malformed part is named; what is said never holds the password.
    @Test(arguments: [
        ("mysql://u@h/d", "scheme"),
        ("postgres://h/d", "user"),
        ("postgres://u@h:99999/d", "port"),
        ("postgres://u@h:abc/d", "port"),
        ("postgres://u@h/d?sslmode=allow", "sslmode"),
        ("postgres://u@h/d?sslmode=verify_full", "sslmode"),
        ("postgres://u@h/d?target_session_attrs=any", "target_session_attrs"),
        ("postgres://u@h1,h2/d", "host"),
        ("postgres://u@/d", "host"),
        ("postgres://u@h/d?connect_timeout=0", "connect_timeout"),
        ("postgres://u:s3cr/et?x@h/d", "password"),
    ])
    func init_whenPartIsWrong_namesIt(url: String, field: String) {
        // When
        let error = #expect(throws: ConfigurationError.self) { try PostgresConnectionSettings(url: url) }
        // Then
        #expect(error?.key == field)
        #expect(error?.description.contains("s3cr") == false)
    }

    /// A password in the URL and one from a file or variable: refused, not silently preferred.
    @Test func init_whenPasswordTwice_refuses() {
        let error = #expect(throws: ConfigurationError.self) {
            try PostgresConnectionSettings(url: "postgres://u:one@h/d", password: "two")
        }
        #expect(error?.key == "password")
    }

    /// The description is the URL with the password replaced, fit for logs.
    @Test func description_whenPasswordSet_redactsIt() throws {
        // Given
        let settings = try PostgresConnectionSettings(url: "postgres://mesh:hunter2@db:5432/mesh?sslmode=require")
        // Then
        #expect(settings.description == "postgres://mesh:***@db:5432/mesh?sslmode=require")
        #expect(!"\(settings)".contains("hunter2"))
        #expect(!String(reflecting: settings).contains("hunter2"))
    }

    /// Login parameters: the application name, and the idle-in-transaction limit in whole
    /// milliseconds (rounded up), each only when set; the client configuration carries the same.
    @Test func startupParameters_whenSet_sendsNameAndIdleLimitInMilliseconds() throws {
        // Given
        var settings = try PostgresConnectionSettings(url: "postgres://mesh@db.internal/mesh?application_name=ctl")
        #expect(PostgresClientFactory.startupParameters(settings).map { "\($0)=\($1)" } == ["application_name=ctl"])
        // When
        settings.idleInTransactionTimeout = .microseconds(2_500_100)
        // Then
        let expected = ["application_name=ctl", "idle_in_transaction_session_timeout=2501"]
        #expect(PostgresClientFactory.startupParameters(settings).map { "\($0)=\($1)" } == expected)
        let configuration = try PostgresClientFactory.configuration(settings)
        #expect(configuration.options.additionalStartupParameters.map { "\($0)=\($1)" } == expected)
    }
}
