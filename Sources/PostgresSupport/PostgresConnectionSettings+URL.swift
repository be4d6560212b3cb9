import ByteCoding
public import ErrorClassification

extension PostgresConnectionSettings {
    /// Parses a libpq-style URL: `postgres://` or `postgresql://`, then `user[:password]@`,
    /// `host[:port]` (an IPv6 address in brackets), `/database`, and the query parameters
    /// `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`. Percent escapes are
    /// decoded in every part.
    ///
    /// - Parameters:
    ///   - url: The URL (it may hold the password; it is not kept as text).
    ///   - password: The password from elsewhere (a file, an environment variable); an error if the
    ///     URL holds one too, so that nobody wonders which one is used.
    /// - Throws: ``ConfigurationError`` naming the part that is missing or wrong. What it says
    ///   never contains the password.
    public init(url: String, password: String? = nil) throws(ConfigurationError) {
        let rest: Substring
        if url.hasPrefix("postgres://") {
            rest = url.dropFirst("postgres://".count)
        } else if url.hasPrefix("postgresql://") {
            rest = url.dropFirst("postgresql://".count)
        } else {
            throw ConfigurationError.postgres(field: "scheme", reason: "must start with postgres:// or postgresql://")
        }
        // A password with an unescaped `/` or `?` would otherwise be read as a path or query, and
        // its pieces could end up in an error message.
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }), rest[end...].contains("@") {
            throw ConfigurationError.postgres(field: "password", reason: "the characters / ? @ : in a user or password must be percent-encoded")
        }
        let (main, query) = Self.split(rest, at: "?")
        let (authority, path) = Self.split(main, at: "/")
        var userInfo: Substring = ""
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
        }
        let (userText, passwordText) = Self.split(userInfo, at: ":")
        let username = PercentEncoding.decode(String(userText))
        guard !username.isEmpty else {
            throw ConfigurationError.postgres(field: "user", reason: "the URL names no user (postgres://USER@host/database)")
        }
        let urlPassword = passwordText.map { PercentEncoding.decode(String($0)) }
        if urlPassword != nil, password != nil {
            throw ConfigurationError.postgres(field: "password", reason: "given both in the URL and separately; set it in one place only")
        }
        let (host, port) = try Self.hostAndPort(hostPort)
        let database = PercentEncoding.decode(String(path ?? ""))
        guard !database.contains("/") else {
            throw ConfigurationError.postgres(field: "database", reason: "must be one path segment")
        }
        self.init(host: host, port: port, username: username, password: urlPassword ?? password,
                  database: database.isEmpty ? nil : database)
        try applyQuery(query ?? "")
    }

    private mutating func applyQuery(_ query: Substring) throws(ConfigurationError) {
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (name, rawValue) = Self.split(item, at: "=")
            let value = PercentEncoding.decode(String(rawValue ?? ""), plusAsSpace: true)
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw ConfigurationError.postgres(field: "sslmode", reason: "must be one of "
                        + SSLMode.allCases.map(\.rawValue).joined(separator: ", ") + " (got \"\(value)\")")
                }
                sslMode = mode
            case "sslrootcert":
                guard !value.isEmpty else { throw ConfigurationError.postgres(field: "sslrootcert", reason: "is empty") }
                sslRootCertPath = value
            case "connect_timeout":
                guard let seconds = Int(value), (1...3600).contains(seconds) else {
                    throw ConfigurationError.postgres(field: "connect_timeout", reason: "must be whole seconds in 1...3600 (got \"\(value)\")")
                }
                connectTimeoutSeconds = seconds
            case "application_name":
                applicationName = value
            default:
                throw ConfigurationError.postgres(field: String(name), reason: "is not a supported URL parameter "
                    + "(supported: sslmode, sslrootcert, connect_timeout, application_name)")
            }
        }
    }

    private static func hostAndPort(_ text: Substring) throws(ConfigurationError) -> (String, Int) {
        guard !text.contains(",") else {
            throw ConfigurationError.postgres(field: "host", reason: "several hosts are not supported; name one (a load balancer or a cluster endpoint)")
        }
        var hostText = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ConfigurationError.postgres(field: "host", reason: "an IPv6 address lacks its closing ]")
            }
            hostText = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw ConfigurationError.postgres(field: "host", reason: "unexpected text after ]") }
                portText = after.dropFirst()
            }
        } else {
            (hostText, portText) = split(text, at: ":")
        }
        let host = PercentEncoding.decode(String(hostText))
        guard !host.isEmpty else {
            throw ConfigurationError.postgres(field: "host", reason: "the URL names no host (Unix sockets are not supported)")
        }
        guard let portText, !portText.isEmpty else { return (host, defaultPort) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ConfigurationError.postgres(field: "port", reason: "must be a number in 1...65535")
        }
        return (host, port)
    }

    /// `text` before the first `separator`, and after it (`nil` when there is none).
    private static func split(_ text: Substring, at separator: Character) -> (Substring, Substring?) {
        guard let index = text.firstIndex(of: separator) else { return (text, nil) }
        return (text[..<index], text[text.index(after: index)...])
    }
}
