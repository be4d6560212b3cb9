/// One HTTP header as the signer sees it: a name and a value, in request order.
public struct SigV4Header: Sendable, Equatable {
    /// The header name, any case.
    public var name: String
    /// The header value, untrimmed.
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The parts of an HTTP request that SigV4 covers.
///
/// `path` and `query` are taken as they go on the wire (already percent-encoded where needed);
/// the signer encodes path segments once more, as SigV4 requires for every service except S3.
public struct SigV4Request: Sendable {
    /// The HTTP method, e.g. `POST`.
    public var method: String
    /// The request path, e.g. `/`; empty means `/`.
    public var path: String
    /// The query string without the leading `?`; empty for none.
    public var query: String
    /// The headers to sign, including `Host`. `Authorization`, `User-Agent`, `Expect` and
    /// `X-Amzn-Trace-Id` are never signed.
    public var headers: [SigV4Header]
    /// The exact body bytes.
    public var body: [UInt8]

    /// Creates a request to sign.
    public init(method: String, path: String, query: String = "", headers: [SigV4Header], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// The result of signing: the headers to send, plus the intermediate strings for diagnostics and tests.
///
/// `canonicalRequest` contains the session token when one is signed; treat it like the token
/// (never log it).
public struct SigV4SignedRequest: Sendable {
    /// Headers to add to the request (`X-Amz-Date`, possibly `X-Amz-Security-Token` and
    /// `x-amz-content-sha256`, and `Authorization`), in that order.
    public var addedHeaders: [SigV4Header]
    /// The canonical request (task 1 of SigV4).
    public var canonicalRequest: String
    /// The string to sign (task 2).
    public var stringToSign: String
    /// The hex signature (task 3).
    public var signature: String
    /// The `Authorization` header value.
    public var authorization: String
    /// The `;`-joined, sorted, lower-case names of the signed headers.
    public var signedHeaders: String
}
