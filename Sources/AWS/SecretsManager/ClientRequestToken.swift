import ByteCoding
import Crypto

/// Idempotency tokens for Secrets Manager writes.
///
/// Secrets Manager turns a `ClientRequestToken` into the new version's ID: a replay with the same
/// token and the same value is ignored (success, same `VersionId`), a replay with a different value
/// fails with `ResourceExistsException`. Deriving the token from the content makes retries and
/// redelivered events harmless.
public enum ClientRequestToken {
    /// The length range Secrets Manager accepts.
    public static let validLength = 32...64

    /// A UUID-shaped token (RFC 9562 version 8, the "custom" layout) from the SHA-256 of `input`.
    ///
    /// ```swift
    /// let token = ClientRequestToken.derived(from: "svc/web|\(secretJSON)")
    /// // e.g. "3f0c9b1e-27d4-8a51-9c3e-0f6b7d2a4c11"
    /// ```
    /// - Parameter input: Everything that identifies the write (secret name and value, or event identity).
    /// - Returns: 36 lower-case characters, `xxxxxxxx-xxxx-8xxx-yxxx-xxxxxxxxxxxx` with `y` in `8…b`.
    public static func derived(from input: String) -> String {
        var bytes = Array(SHA256.hash(data: Array(input.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // variant 10xx
        let hex = Hex.encode(bytes)
        let chars = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(chars[$0]) }.joined(separator: "-")
    }

    /// Whether `token` is acceptable to Secrets Manager (32–64 characters).
    public static func isValid(_ token: String) -> Bool {
        validLength.contains(token.count)
    }
}
