import NIOHTTP1
import AsyncHTTPClient
import JSONValue
import NIOCore

/// One request/response round trip with the whole body read, errors mapped to `HelixError`.
struct HTTPExchange: Sendable {
    let status: Int
    /// Lower-cased header names; the first value of a repeated header.
    let headers: [String: String]
    let body: [UInt8]

    /// Helix pages are a few hundred KiB at most; anything far larger is not a Helix answer.
    static let maximumBodyBytes = 8 << 20

    static func perform(_ request: HTTPClientRequest, client: HTTPClient, timeoutSeconds: Int64) async throws(HelixError) -> HTTPExchange {
        do {
            let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
            var headers: [String: String] = [:]
            for header in response.headers where headers[header.name.lowercased()] == nil {
                headers[header.name.lowercased()] = header.value
            }
            var buffer = try await response.body.collect(upTo: maximumBodyBytes)
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            return HTTPExchange(status: Int(response.status.code), headers: headers, body: body)
        } catch {
            throw .transport("\(request.method.rawValue) \(request.url): \(error)")
        }
    }

    var isSuccess: Bool { (200..<300).contains(status) }

    func json() throws(HelixError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidResponse("\(error)")
        }
    }

    /// Twitch's error message: `message` of `{"error":…,"status":…,"message":…}` (Helix) or
    /// `{"status":…,"message":…}` (OAuth); otherwise the start of the body.
    var errorMessage: String {
        if let value = try? JSONParser.parse(body), let message = value["message"]?.stringValue, !message.isEmpty {
            return message
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return text.isEmpty ? "HTTP \(status)" : text
    }
}
