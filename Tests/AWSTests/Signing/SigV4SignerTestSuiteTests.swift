import AWS
import Foundation
import Testing

/// The official AWS SigV4 test suite (aws-c-auth `v4/`), header-signing variants.
struct SigV4SignerTestSuiteTests {
    /// Every case in the suite applies to a header signer; none is skipped. (The presigned-URL
    /// `query-*` variants of each case are not used: we never presign.)
    static let cases: [String] = [
        "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
        "get-header-value-trim", "get-relative-normalized", "get-relative-relative-normalized",
        "get-relative-relative-unnormalized", "get-relative-unnormalized", "get-slash-dot-slash-normalized",
        "get-slash-dot-slash-unnormalized", "get-slash-normalized", "get-slash-pointless-dot-normalized",
        "get-slash-pointless-dot-unnormalized", "get-slash-unnormalized", "get-slashes-normalized",
        "get-slashes-unnormalized", "get-space-normalized", "get-space-unnormalized", "get-unreserved",
        "get-utf8", "get-vanilla", "get-vanilla-empty-query-key", "get-vanilla-query",
        "get-vanilla-query-order-encoded", "get-vanilla-query-order-key-case", "get-vanilla-query-unreserved",
        "get-vanilla-utf8-query", "get-vanilla-with-session-token", "post-header-key-case",
        "post-header-key-sort", "post-header-value-case", "post-sts-header-after", "post-sts-header-before",
        "post-vanilla", "post-vanilla-empty-query-value", "post-vanilla-query", "post-x-www-form-urlencoded",
        "post-x-www-form-urlencoded-parameters",
    ]

    /// Cases deliberately not run, with the reason. Empty: all 38 cases pass.
    static let skipped: [String: String] = [:]

    /// Canonical request, string to sign, signature and Authorization match the suite exactly.
    @Test(arguments: cases)
    func sign_whenOfficialCase_matchesExpectedOutputs(_ name: String) throws {
        // Given
        let testCase = try SigV4TestSuiteCase(name: name)

        // When
        let signed = testCase.signer.sign(testCase.request, at: testCase.date)

        // Then
        #expect(signed.canonicalRequest == testCase.expectedCanonicalRequest)
        #expect(signed.stringToSign == testCase.expectedStringToSign)
        #expect(signed.signature == testCase.expectedSignature)
        #expect(signed.authorization == testCase.expectedAuthorization)
        #expect(signed.addedHeaders.first == SigV4Header("X-Amz-Date", "20150830T123600Z"))
    }

    /// Every case folder in the fixtures is either run or listed as skipped with a reason.
    @Test func suite_whenFixturesListed_everyCaseIsAccountedFor() throws {
        // Given
        let folders = try Fixtures.directories("sigv4-testsuite")

        // When
        let accounted = Set(Self.cases).union(Self.skipped.keys)

        // Then
        #expect(Set(folders) == accounted)
        #expect(folders.count == 38)
    }

    /// With `omit_session_token` the token is still sent, just not signed.
    @Test func sign_whenSessionTokenUnsigned_stillAddsTokenHeader() throws {
        // Given
        let testCase = try SigV4TestSuiteCase(name: "post-sts-header-after")

        // When
        let signed = testCase.signer.sign(testCase.request, at: testCase.date)

        // Then
        #expect(signed.addedHeaders.contains { $0.name == "X-Amz-Security-Token" })
        #expect(!signed.signedHeaders.contains("x-amz-security-token"))
    }
}
