import Foundation
import HTTPServer
import Testing
@testable import Controller

struct WebhookAuthenticatorTests {
    private let authenticator = WebhookAuthenticator(
        apiKeyHeader: "x-api-key", apiKey: "the-right-key-0123", basicUsername: "eventbridge", basicPassword: "pa55word"
    )

    /// The configured API-key header is accepted, in any header-name case.
    @Test func isAuthorized_whenAPIKeyMatches_accepts() {
        let headers: HTTPHeaders = ["X-Api-Key": "the-right-key-0123"]
        #expect(authenticator.isAuthorized(headers))
    }

    /// A wrong key, a prefix of the key and no key are all refused.
    @Test func isAuthorized_whenAPIKeyWrongOrMissing_refuses() {
        #expect(!authenticator.isAuthorized(["x-api-key": "the-wrong-key-0123"]))
        #expect(!authenticator.isAuthorized(["x-api-key": "the-right-key"]))
        #expect(!authenticator.isAuthorized([:]))
    }

    /// Basic credentials as an EventBridge BASIC connection sends them are accepted; wrong ones are not.
    @Test func isAuthorized_whenBasicCredentials_checksThem() {
        let good = Data("eventbridge:pa55word".utf8).base64EncodedString()
        let bad = Data("eventbridge:guess".utf8).base64EncodedString()
        #expect(authenticator.isAuthorized(["Authorization": "Basic \(good)"]))
        #expect(!authenticator.isAuthorized(["Authorization": "Basic \(bad)"]))
        #expect(!authenticator.isAuthorized(["Authorization": "Basic !!!not-base64"]))
        #expect(!authenticator.isAuthorized(["Authorization": "Bearer \(good)"]))
    }

    /// Constant-time comparison still compares correctly.
    @Test func constantTimeEqual_comparesBytes() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
    }
}
