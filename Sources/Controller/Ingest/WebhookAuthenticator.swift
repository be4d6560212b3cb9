import Crypto
import Foundation
public import HTTPServer

/// Checks the credentials an EventBridge API-destination connection sends: an API-key header
/// (`API_KEY` connections) or `Authorization: Basic` (`BASIC` connections).
///
/// Both sides are hashed with SHA-256 and the digests compared in constant time, so neither the
/// content nor the length of the expected secret leaks through timing.
public struct WebhookAuthenticator: Sendable {
    private let apiKeyHeader: String
    private let apiKeyDigest: [UInt8]?
    private let basicDigest: [UInt8]?

    /// Whether a 401 should invite Basic credentials.
    public var offersBasic: Bool { basicDigest != nil }

    public init(apiKeyHeader: String, apiKey: String?, basicUsername: String?, basicPassword: String?) {
        self.apiKeyHeader = apiKeyHeader
        self.apiKeyDigest = apiKey.map { Self.digest(Array($0.utf8)) }
        if let basicUsername, let basicPassword {
            self.basicDigest = Self.digest(Array("\(basicUsername):\(basicPassword)".utf8))
        } else {
            self.basicDigest = nil
        }
    }

    /// - Returns: `true` when the request carries a configured credential.
    public func isAuthorized(_ headers: HTTPHeaders) -> Bool {
        var authorized = false
        if let apiKeyDigest, let presented = headers[apiKeyHeader] {
            authorized = ConstantTime.equal(Self.digest(Array(presented.utf8)), apiKeyDigest) || authorized
        }
        if let basicDigest, let authorization = headers["authorization"], let decoded = Self.basicCredentials(authorization) {
            authorized = ConstantTime.equal(Self.digest(decoded), basicDigest) || authorized
        }
        return authorized
    }

    private static func basicCredentials(_ header: String) -> [UInt8]? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { return nil }
        return Array(data)
    }

    private static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }
}

/// Comparisons whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// - Returns: `true` when both byte strings are equal; time depends only on their lengths.
    public static func equal(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
