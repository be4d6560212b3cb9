import AWS
import Foundation
import Testing

/// Deterministic, UUID-shaped idempotency tokens.
struct ClientRequestTokenTests {
    /// The same input gives the same token; different inputs give different ones.
    @Test func derived_whenSameOrDifferentInput_isDeterministicAndDistinct() {
        // Given / When
        let first = ClientRequestToken.derived(from: "mesh-web|{\"token\":\"a\"}")
        let again = ClientRequestToken.derived(from: "mesh-web|{\"token\":\"a\"}")
        let other = ClientRequestToken.derived(from: "mesh-web|{\"token\":\"b\"}")

        // Then
        #expect(first == again)
        #expect(first != other)
    }

    /// Tokens are lower-case 8-4-4-4-12 UUIDs, version 8, RFC variant, and parse as UUIDs.
    @Test func derived_whenAnyInput_isUUIDShapedWithinLengthLimits() {
        // Given
        let inputs = ["", "x", String(repeating: "long", count: 1000), "ünïcödé"]

        for input in inputs {
            // When
            let token = ClientRequestToken.derived(from: input)

            // Then
            #expect(token.count == 36)
            #expect(ClientRequestToken.isValid(token))
            #expect(UUID(uuidString: token) != nil)
            #expect(token == token.lowercased())
            let groups = token.split(separator: "-").map(\.count)
            #expect(groups == [8, 4, 4, 4, 12])
            let chars = Array(token)
            #expect(chars[14] == "8")
            #expect("89ab".contains(chars[19]))
        }
    }

    /// The derivation is SHA-256 based and stable across releases (pinned value).
    @Test func derived_whenKnownInput_matchesPinnedValue() {
        // Given / When
        let token = ClientRequestToken.derived(from: "abc")

        // Then: SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 …
        #expect(token == "ba7816bf-8f01-8fea-8141-40de5dae2223")
    }

    /// Validity is the 32–64 character range Secrets Manager enforces.
    @Test func isValid_whenLengthsAroundLimits_matchesRange() {
        #expect(!ClientRequestToken.isValid(String(repeating: "x", count: 31)))
        #expect(ClientRequestToken.isValid(String(repeating: "x", count: 32)))
        #expect(ClientRequestToken.isValid(String(repeating: "x", count: 64)))
        #expect(!ClientRequestToken.isValid(String(repeating: "x", count: 65)))
    }
}
