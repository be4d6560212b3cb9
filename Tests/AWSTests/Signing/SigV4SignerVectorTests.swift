import AWS
import Foundation
import Testing

/// The botocore-computed awsJson1_1 vectors in `Fixtures/sigv4-vectors.txt`.
struct SigV4SignerVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var title: String
        var url: URL
        var body: String
        var canonicalRequest: String
        var stringToSign: String
        var signature: String
        var authorization: String

        var testDescription: String { title }

        /// The request headers the vector signed, recovered from its canonical request.
        var signedHeaders: [SigV4Header] {
            canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3).prefix { $0.contains(":") }.compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return SigV4Header(String(line[..<colon]), String(line[line.index(after: colon)...]))
            }
        }
    }

    static func loadVectors() throws -> [Vector] {
        let text = try Fixtures.text("sigv4-vectors.txt")
        return text.components(separatedBy: "### ").dropFirst().map { section in
            let lines = section.components(separatedBy: "\n")
            func block(_ marker: String) -> String {
                guard let start = lines.firstIndex(of: "--- \(marker) ---") else { return "" }
                let rest = lines[(start + 1)...]
                let end = rest.firstIndex { $0.hasPrefix("--- ") } ?? lines.endIndex
                var body = Array(lines[(start + 1)..<end])
                while body.last == "" { body.removeLast() }
                return body.joined(separator: "\n")
            }
            func field(_ prefix: String) -> String {
                lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } ?? ""
            }
            return Vector(
                title: lines[0], url: URL(string: field("URL: "))!, body: field("body: "),
                canonicalRequest: block("canonical request"), stringToSign: block("string to sign"),
                signature: block("signature"), authorization: block("Authorization")
            )
        }
    }

    static let vectors: [Vector] = (try? loadVectors()) ?? []

    /// The fixture holds the three vectors (so a parse failure can't silently skip them).
    @Test func vectors_whenLoaded_areThree() {
        // Given / When
        let vectors = Self.vectors

        // Then
        #expect(vectors.count == 3)
        #expect(vectors.allSatisfy { $0.signature.count == 64 })
    }

    /// Canonical request, string to sign and signature equal botocore's byte for byte.
    @Test(arguments: vectors)
    func sign_whenBotocoreVector_matchesExactly(_ vector: Vector) throws {
        // Given
        let headers = vector.signedHeaders.filter {
            $0.name != "x-amz-date" && $0.name != "x-amz-security-token"
        }
        let token = vector.signedHeaders.first { $0.name == "x-amz-security-token" }?.value
        let scope = vector.stringToSign.split(separator: "\n")[2].split(separator: "/")
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                sessionToken: token
            ),
            region: String(scope[1]), service: String(scope[2])
        )
        let request = SigV4Request(method: "POST", path: vector.url.path, headers: headers, body: Array(vector.body.utf8))

        // When
        let signed = signer.sign(request, at: Date(timeIntervalSince1970: 1_440_938_160))

        // Then
        #expect(signed.canonicalRequest == vector.canonicalRequest)
        #expect(signed.stringToSign == vector.stringToSign)
        #expect(signed.signature == vector.signature)
        #expect(signed.authorization == vector.authorization)
        #expect(headers.count == 3)
    }
}
