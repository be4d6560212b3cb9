import AWS
import Foundation

/// One case of the official SigV4 test suite, parsed from its files.
struct SigV4TestSuiteCase {
    struct Context: Decodable {
        struct Credentials: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Credentials
        var region: String
        var service: String
        var timestamp: String
        var normalize: Bool
        var sign_body: Bool
        var omit_session_token: Bool?
    }

    var name: String
    var signer: SigV4Signer
    var request: SigV4Request
    var date: Date
    var expectedCanonicalRequest: String
    var expectedStringToSign: String
    var expectedSignature: String
    var expectedAuthorization: String

    init(name: String) throws {
        let folder = "sigv4-testsuite/\(name)/"
        let context = try JSONDecoder().decode(Context.self, from: try Fixtures.data(folder + "context.json"))
        self.name = name
        self.signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token
            ),
            region: context.region,
            service: context.service,
            options: .init(
                normalizesPath: context.normalize,
                signsSessionToken: !(context.omit_session_token ?? false),
                addsContentHashHeader: context.sign_body
            )
        )
        self.date = try Date(context.timestamp, strategy: .iso8601)
        self.request = try Self.parseRequest(try Fixtures.text(folder + "request.txt"))
        self.expectedCanonicalRequest = try Fixtures.text(folder + "header-canonical-request.txt")
        self.expectedStringToSign = try Fixtures.text(folder + "header-string-to-sign.txt")
        self.expectedSignature = try Fixtures.text(folder + "header-signature.txt")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let signed = try Fixtures.text(folder + "header-signed-request.txt")
        self.expectedAuthorization = signed.split(separator: "\n")
            .first { $0.hasPrefix("Authorization:") }
            .map { String($0.dropFirst("Authorization:".count)) } ?? ""
    }

    /// Parses `request.txt`: request line, headers (continuation lines start with whitespace), body.
    static func parseRequest(_ text: String) throws -> SigV4Request {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst()
        guard let firstSpace = requestLine.firstIndex(of: " "),
              let versionRange = requestLine.range(of: " HTTP/", options: .backwards)
        else { throw ParseError(line: requestLine) }
        let method = String(requestLine[..<firstSpace])
        let target = String(requestLine[requestLine.index(after: firstSpace)..<versionRange.lowerBound])
        let (path, query) = target.firstIndex(of: "?").map {
            (String(target[..<$0]), String(target[target.index(after: $0)...]))
        } ?? (target, "")

        var headers: [SigV4Header] = []
        var bodyStart = lines.count
        for (index, line) in lines.enumerated() {
            if line.isEmpty { bodyStart = index + 1; break }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(SigV4Header(String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                throw ParseError(line: line)
            }
        }
        let body = bodyStart < lines.count ? lines[bodyStart...].joined(separator: "\n") : ""
        return SigV4Request(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
    }

    struct ParseError: Error { var line: String }
}
