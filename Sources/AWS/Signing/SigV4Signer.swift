import ByteCoding
import Crypto
public import Foundation

/// AWS Signature Version 4 for header-signed requests.
///
/// A pure value: the same credentials, request and date always give the same signature, so callers
/// pass the date in (a fresh one per attempt, because AWS rejects signatures older than 5 minutes).
///
/// ```swift
/// let signer = SigV4Signer(credentials: creds, region: "us-east-1", service: "secretsmanager")
/// let signed = signer.sign(request, at: Date())
/// for header in signed.addedHeaders { httpRequest.headers.add(name: header.name, value: header.value) }
/// ```
public struct SigV4Signer: Sendable {
    /// Behaviour switches, matching the knobs of the official test suite (`context.json`).
    public struct Options: Sendable, Equatable {
        /// Remove `.`/`..` segments and empty segments from the path before encoding (all services
        /// except S3). The suite's `normalize`.
        public var normalizesPath: Bool
        /// Sign `X-Amz-Security-Token` (what SDKs do). When `false` the token is added after signing,
        /// unsigned, as a few services require. The suite's `omit_session_token`, inverted.
        public var signsSessionToken: Bool
        /// Add and sign `x-amz-content-sha256` (the suite's `sign_body`; S3-style, off for JSON APIs).
        public var addsContentHashHeader: Bool

        /// Creates options; the defaults are right for awsJson1_1 services.
        public init(normalizesPath: Bool = true, signsSessionToken: Bool = true, addsContentHashHeader: Bool = false) {
            self.normalizesPath = normalizesPath
            self.signsSessionToken = signsSessionToken
            self.addsContentHashHeader = addsContentHashHeader
        }
    }

    /// Headers that proxies and clients rewrite, so signing them would break the signature.
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect", "x-amzn-trace-id"]
    static let algorithm = "AWS4-HMAC-SHA256"

    /// The credentials to sign with.
    public var credentials: AWSCredentials
    /// The region of the credential scope, e.g. `us-east-1`.
    public var region: String
    /// The signing name of the service, e.g. `secretsmanager`, `ecs`.
    public var service: String
    /// Behaviour switches.
    public var options: Options

    /// Creates a signer.
    public init(credentials: AWSCredentials, region: String, service: String, options: Options = Options()) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
    }

    /// Signs `request` as of `date`.
    /// - Parameters:
    ///   - request: The request parts to cover; must contain a `Host` header.
    ///   - date: The signing time; becomes `X-Amz-Date` and the credential scope date.
    /// - Returns: The headers to add and the intermediate strings.
    public func sign(_ request: SigV4Request, at date: Date) -> SigV4SignedRequest {
        let amzDate = SigV4Encoding.amzDate(date)
        let shortDate = String(amzDate.prefix(8))
        let payloadHash = Hex.sha256(request.body)

        var added: [SigV4Header] = [SigV4Header("X-Amz-Date", amzDate)]
        var signedInput = request.headers.filter { header in
            let name = header.name.lowercased()
            return name != "x-amz-date" && name != "x-amz-security-token"
        }
        signedInput.append(SigV4Header("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            added.append(SigV4Header("X-Amz-Security-Token", token))
            if options.signsSessionToken {
                signedInput.append(SigV4Header("X-Amz-Security-Token", token))
            }
        }
        if options.addsContentHashHeader {
            added.append(SigV4Header("x-amz-content-sha256", payloadHash))
            signedInput.append(SigV4Header("x-amz-content-sha256", payloadHash))
        }

        let headers = Self.canonicalHeaders(signedInput)
        let canonicalRequest = [
            request.method.uppercased(),
            Self.canonicalURI(request.path, normalize: options.normalizesPath),
            Self.canonicalQuery(request.query),
            headers.canonical,
            headers.signed,
            payloadHash,
        ].joined(separator: "\n")

        let scope = "\(shortDate)/\(region)/\(service)/aws4_request"
        let stringToSign = [
            Self.algorithm, amzDate, scope, Hex.sha256(canonicalRequest),
        ].joined(separator: "\n")

        let key = signingKey(shortDate: shortDate)
        let signature = Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope), "
            + "SignedHeaders=\(headers.signed), Signature=\(signature)"
        added.append(SigV4Header("Authorization", authorization))

        return SigV4SignedRequest(
            addedHeaders: added, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            signature: signature, authorization: authorization, signedHeaders: headers.signed
        )
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    private func signingKey(shortDate: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [shortDate, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }
}
