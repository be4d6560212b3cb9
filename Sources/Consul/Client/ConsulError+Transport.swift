import AsyncHTTPClient
import NIOCore

extension ConsulError {
    /// Maps an error raised before any HTTP status arrived.
    ///
    /// Everything the network can do (refused, reset, TLS handshake, deadline, the pool's connect
    /// retries running out) means "Consul did not answer", which callers retry. A body over the size
    /// limit is an ``Code/invalidResponse``; task cancellation is ``Code/cancelled``.
    init(transport error: any Error, method: String, path: String) {
        let code: Code
        if error is CancellationError {
            code = .cancelled
        } else if let client = error as? HTTPClientError, client == .cancelled {
            code = .cancelled
        } else if error is NIOTooManyBytesError {
            code = .invalidResponse
        } else {
            code = .unavailable
        }
        self.init(code: code, status: nil, method: method, path: path, message: "\(error)", underlying: error)
    }
}
