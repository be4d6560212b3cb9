import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One signed attempt: build, sign, send, classify.
extension AWSJSONClient {
    func attemptOnce(
        _ operation: String, body: [UInt8], attempt: Int, deadline: ContinuousClock.Instant, logger: Logger
    ) async throws -> [UInt8] {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else {
            throw AWSError(code: AWSError.timeoutCode, message: "deadline passed before the attempt", operation: operation)
        }
        let timeout = min(remaining, configuration.attemptTimeout)

        let credentials: AWSCredentials
        do {
            credentials = try await self.credentials.credentials()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw AWSError(
                code: AWSError.credentialsUnavailableCode, message: "\(error)", operation: operation, underlying: error
            )
        }

        let request = makeRequest(operation, body: body, credentials: credentials)
        logger.trace("AWS request", metadata: ["aws.attempt": "\(attempt)", "http.request.body_bytes": "\(body.count)"])

        let status: Int
        let headers: HTTPHeaders
        let responseBody: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(timeout), logger: logger)
            status = Int(response.status.code)
            headers = response.headers
            responseBody = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw AWSError(code: AWSError.timeoutCode, message: "no response within \(timeout)", operation: operation, underlying: error)
        } catch {
            throw AWSError(code: AWSError.connectionFailureCode, message: "\(type(of: error))", operation: operation, underlying: error)
        }

        let bytes = Array(responseBody.readableBytesView)
        guard (200..<300).contains(status) else {
            throw AWSError(operation: operation, statusCode: status, header: { headers.first(name: $0) }, body: bytes)
        }
        logger.trace("AWS response", metadata: [
            "aws.attempt": "\(attempt)", "http.status": "\(status)",
            "aws.request.id": "\(headers.first(name: "x-amzn-requestid") ?? "")",
        ])
        return bytes
    }

    func makeRequest(_ operation: String, body: [UInt8], credentials: AWSCredentials) -> HTTPClientRequest {
        let headers = [
            SigV4Header("Host", service.hostHeader),
            SigV4Header("Content-Type", "application/x-amz-json-1.1"),
            SigV4Header("X-Amz-Target", "\(service.targetPrefix).\(operation)"),
        ]
        let signer = SigV4Signer(credentials: credentials, region: service.region, service: service.signingName)
        let signed = signer.sign(SigV4Request(method: "POST", path: service.path, headers: headers, body: body), at: now())

        var request = HTTPClientRequest(url: service.endpoint.absoluteString)
        request.method = .POST
        for header in headers + signed.addedHeaders {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }
}
