import NIOHTTP1
public import AsyncHTTPClient
import Crypto
import NIOCore
public import ObjectStore

/// Puts and gets archive objects through the S3 API with presigned URLs (Signature V4 in the
/// query string). The same requests work against AWS S3, S3-compatible stores and the local
/// filesystem-backed stand-in (`LocalObjectStoreHandler`), which checks signatures like S3.
public struct ArchiveObjectStore: Sendable {
    public let signer: PresignedURLSigner
    public let httpClient: HTTPClient
    /// Lifetime of each presigned URL; the request is sent right away.
    public let urlLifetimeSeconds: Int
    public let requestTimeoutSeconds: Int64
    private let clock: @Sendable () -> Double

    public init(
        configuration: ObjectStoreConfiguration, httpClient: HTTPClient, urlLifetimeSeconds: Int = 300,
        requestTimeoutSeconds: Int64 = 300, clock: @escaping @Sendable () -> Double
    ) {
        self.signer = PresignedURLSigner(configuration: configuration)
        self.httpClient = httpClient
        self.urlLifetimeSeconds = urlLifetimeSeconds
        self.requestTimeoutSeconds = requestTimeoutSeconds
        self.clock = clock
    }

    /// Uploads `bytes` to `key` (replacing any object there). The signed size cap is the exact
    /// size, so the request cannot store anything else under this URL.
    public func put(key: String, bytes: [UInt8], contentType: String) async throws {
        let presigned = try signer.presignedPUT(
            key: key, contentType: contentType, maxBytes: bytes.count, expiresIn: urlLifetimeSeconds, now: clock())
        var request = HTTPClientRequest(url: presigned.url)
        request.method = .PUT
        for (name, value) in presigned.headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await httpClient.execute(request, timeout: .seconds(requestTimeoutSeconds))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(Int(response.status.code)) else {
            throw ArchiveStoreError(operation: "PUT", key: key, status: Int(response.status.code), detail: String(buffer: body))
        }
    }

    /// The object's bytes, nil if there is none (404); `ArchiveObjectTooLarge` if it has more
    /// than `maximumBytes`.
    public func get(key: String, maximumBytes: Int) async throws -> [UInt8]? {
        let presigned = try signer.presignedGET(key: key, expiresIn: urlLifetimeSeconds, now: clock())
        var request = HTTPClientRequest(url: presigned.url)
        request.method = .GET
        let response = try await httpClient.execute(request, timeout: .seconds(requestTimeoutSeconds))
        let status = Int(response.status.code)
        if status == 404 {
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return nil
        }
        guard status == 200 else {
            let body = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            throw ArchiveStoreError(operation: "GET", key: key, status: status, detail: body)
        }
        var buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: maximumBytes)
        } catch is NIOTooManyBytesError {
            throw ArchiveObjectTooLarge(key: key, maximumBytes: maximumBytes)
        }
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

public struct ArchiveStoreError: Error, Sendable, CustomStringConvertible {
    public let operation: String
    public let key: String
    public let status: Int
    public let detail: String

    public var description: String {
        "object store \(operation) \(key) failed with HTTP \(status): \(detail.prefix(300))"
    }
}

/// The object read back is larger than it may be (so it is not the expected object).
public struct ArchiveObjectTooLarge: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let maximumBytes: Int
    public var description: String { "object \(key) is larger than \(maximumBytes) bytes" }
}

/// Lowercase hex SHA-256.
public func sha256Hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(64)
    for byte in SHA256.hash(data: bytes) {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
