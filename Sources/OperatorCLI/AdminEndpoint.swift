public import Foundation

/// Where the CLI finds the admin API and the token it sends, resolved the way the server reads them.
///
/// Address: `--admin-addr`, else `MESH_ADMIN_ADDR`, else ``defaultAddress``. Token: `--token-file`,
/// else `MESH_ADMIN_TOKEN`, else the file named by `MESH_ADMIN_TOKEN_FILE` (trimmed, as the server
/// trims it).
public struct AdminEndpoint: Sendable, Equatable {
    public static let defaultAddress = "http://127.0.0.1:8081"
    /// The variables ``resolve(addressOption:tokenFileOption:environment:readFile:)`` reads, so the
    /// configuration check of the same executable does not report them as unknown.
    public static let environmentVariables: Set<String> = ["MESH_ADMIN_ADDR", "MESH_ADMIN_TOKEN", "MESH_ADMIN_TOKEN_FILE"]

    /// The base URL without a trailing `/`.
    public var address: String
    /// Where ``address`` came from, for error messages ("--admin-addr", "MESH_ADMIN_ADDR", "the default").
    public var addressSource: String
    public var token: String

    public init(address: String, addressSource: String, token: String) {
        self.address = address
        self.addressSource = addressSource
        self.token = token
    }

    /// Resolves the endpoint from the options and the environment.
    /// - Parameter readFile: Reads a token file (injected so tests need no files).
    /// - Throws: ``OperatorError/configuration(_:)`` for an unusable address or token file,
    ///   ``OperatorError/noToken`` when no token is given at all.
    public static func resolve(addressOption: String?, tokenFileOption: String?, environment: [String: String],
                               readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) })
        throws(OperatorError) -> AdminEndpoint {
        let (rawAddress, source): (String, String) =
            if let addressOption { (addressOption, "--admin-addr") }
            else if let value = environment["MESH_ADMIN_ADDR"], !value.isEmpty { (value, "MESH_ADMIN_ADDR") }
            else { (defaultAddress, "the default") }
        let address = try normalized(rawAddress, source: source)
        let token: String
        if let tokenFileOption {
            token = try readToken(tokenFileOption, source: "--token-file", readFile: readFile)
        } else if let value = environment["MESH_ADMIN_TOKEN"], !value.isEmpty {
            token = value
        } else if let path = environment["MESH_ADMIN_TOKEN_FILE"], !path.isEmpty {
            token = try readToken(path, source: "MESH_ADMIN_TOKEN_FILE", readFile: readFile)
        } else {
            throw .noToken
        }
        return AdminEndpoint(address: address, addressSource: source, token: token)
    }

    /// `host:port` gets `http://`; a trailing `/` is dropped; anything but http(s) is refused.
    static func normalized(_ raw: String, source: String) throws(OperatorError) -> String {
        var address = raw.trimmingCharacters(in: .whitespaces)
        if !address.contains("://") { address = "http://" + address }
        while address.hasSuffix("/") { address.removeLast() }
        guard let url = URL(string: address), let scheme = url.scheme, ["http", "https"].contains(scheme),
              url.host?.isEmpty == false else {
            throw .configuration("\(source) is \"\(raw)\": give an http(s) URL such as \(defaultAddress)")
        }
        return address
    }

    private static func readToken(_ path: String, source: String,
                                  readFile: (String) throws -> String) throws(OperatorError) -> String {
        let contents: String
        do {
            contents = try readFile(path)
        } catch {
            throw .configuration("cannot read the admin token file \(path) (from \(source))")
        }
        let token = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .configuration("the admin token file \(path) (from \(source)) is empty") }
        return token
    }
}
