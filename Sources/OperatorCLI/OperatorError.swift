/// Why an operator command failed, each with its documented exit code and a message that says what
/// to do. Messages never contain the admin token.
public enum OperatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No token from `--token-file`, `MESH_ADMIN_TOKEN` or `MESH_ADMIN_TOKEN_FILE`.
    case noToken
    /// An unusable address or token file.
    case configuration(String)
    /// The controller answered 401: it refused the token.
    case tokenRefused(address: String, detail: String)
    /// No HTTP answer at all (connection refused, timeout, DNS).
    case unreachable(address: String, source: String, reason: String)
    /// The controller answered 503 (admin API closed, journal unavailable, resync off).
    case unavailable(status: Int, detail: String)
    /// Any other error answer (400 bad filter, 404 unknown task, 409 ambiguous key, 500).
    case rejected(status: Int, detail: String)
    /// The answer was not the JSON the CLI expects.
    case badResponse(String)

    /// The process exit code (sysexits.h where one fits). Documented in `--help` and docs/operations.md.
    public var exitCode: Int32 {
        switch self {
        case .rejected, .badResponse: OperatorExitCode.rejected
        case .unreachable, .unavailable: OperatorExitCode.unavailable
        case .noToken, .tokenRefused: OperatorExitCode.permission
        case .configuration: OperatorExitCode.configuration
        }
    }

    public var description: String {
        switch self {
        case .noToken:
            "no admin token: pass --token-file FILE, or set MESH_ADMIN_TOKEN or MESH_ADMIN_TOKEN_FILE"
        case .configuration(let message):
            message
        case .tokenRefused(let address, let detail):
            "the controller at \(address) refused the admin token (HTTP 401: \(detail)); check --token-file, MESH_ADMIN_TOKEN or MESH_ADMIN_TOKEN_FILE"
        case .unreachable(let address, let source, let reason):
            "cannot reach the controller's admin API at \(address) (address from \(source); set --admin-addr or MESH_ADMIN_ADDR): \(reason)"
        case .unavailable(let status, let detail):
            "the controller is unavailable (HTTP \(status)): \(detail)"
        case .rejected(let status, let detail):
            "the controller answered HTTP \(status): \(detail)"
        case .badResponse(let message):
            "unexpected answer from the controller: \(message)"
        }
    }
}

/// The operator commands' exit codes.
public enum OperatorExitCode {
    /// It worked.
    public static let success: Int32 = 0
    /// The controller answered with an error: unknown task or key, bad filter, ambiguous ID, 500.
    public static let rejected: Int32 = 1
    /// Wrong usage (swift-argument-parser's validation failure, EX_USAGE).
    public static let usage: Int32 = 64
    /// The controller cannot be reached or answered 503 (EX_UNAVAILABLE).
    public static let unavailable: Int32 = 69
    /// No token, or the controller refused it (EX_NOPERM).
    public static let permission: Int32 = 77
    /// An unusable address or token file (EX_CONFIG, as `serve` uses for a bad configuration).
    public static let configuration: Int32 = 78

    /// The table that `--help` and docs/operations.md show.
    public static let documentation = """
        Exit codes: 0 success; 1 the controller answered with an error (unknown task or key, bad filter);
        64 wrong usage; 69 controller unreachable or unavailable (503); 77 no admin token, or the
        controller refused it; 78 unusable --admin-addr or token file.
        """
}
