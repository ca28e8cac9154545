import AsyncHTTPClient
import JSONValue
import NIOCore
import NIOHTTP1

/// JSON over HTTP for the demo: the stand-ins' control endpoints and the product's REST API.
struct DemoClient: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let http: HTTPClient

    /// Sends `body` as JSON (with a bearer token when given); an answer outside `accept` (default
    /// 2xx) is a failure naming the URL and the answer.
    func send(_ method: String, _ url: String, _ body: JSONValue? = nil, token: String? = nil, accept: Set<Int>? = nil) async throws
        -> (status: Int, body: JSONValue)
    {
        var request = HTTPClientRequest(url: url)
        request.method = .RAW(value: method)
        request.headers.add(name: "accept", value: "application/json")
        if let token { request.headers.add(name: "authorization", value: "Bearer " + token) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: JSONWriter.string(body)))
        }
        let response = try await http.execute(request, timeout: .seconds(20))
        let text = String(buffer: try await response.body.collect(upTo: 4 << 20))
        let status = Int(response.status.code)
        guard accept?.contains(status) ?? (200..<300).contains(status) else {
            throw Failure(description: "\(method) \(url) answered \(status): \(text.prefix(300))")
        }
        return (status, text.isEmpty ? .null : (try? JSONParser.parse(text)) ?? .string(text))
    }
}
