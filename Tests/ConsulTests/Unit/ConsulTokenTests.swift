import Consul
import Testing

struct ConsulTokenTests {
    /// Printing, interpolating or dumping a token never shows the secret.
    @Test func description_whenPrintedAnyWay_redactsSecret() {
        // Given
        let secret = "9b6f3c2e-1d4a-4b8e-a1f0-7c2d5e8b3a91"
        let token = ConsulToken(secret)

        // When
        var dumped = ""
        dump(token, to: &dumped)
        let texts = ["\(token)", String(describing: token), String(reflecting: token), dumped]

        // Then
        for text in texts {
            #expect(!text.contains(secret), "leaked in: \(text)")
        }
        #expect(token.secret == secret)
    }

    /// A whole ACL token value, printed, does not leak its SecretID either.
    @Test func aclTokenDescription_whenPrinted_redactsSecretID() {
        // Given
        let secret = "0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b"
        let token = ACLToken(accessorID: "a1", secretID: ConsulToken(secret), description: "Token for web service")

        // When
        var dumped = ""
        dump(token, to: &dumped)
        let texts = [String(describing: token), String(reflecting: token), dumped]

        // Then
        for text in texts {
            #expect(!text.contains(secret), "leaked in: \(text)")
        }
        #expect(String(describing: token).contains("a1"))
    }
}
