import CZlib

/// gzip (RFC 1952) through zlib: `deflateInit2` with windowBits 15 + 16 writes a gzip wrapper
/// (header with mtime 0 and no file name, CRC-32 and size trailer), so the same input, fed in the
/// same pieces with the same zlib, gives the same bytes: archive objects are deterministic.
public enum Gzip {
    /// Compresses `bytes` into one gzip member.
    public static func compress(_ bytes: [UInt8], level: Int32 = GzipCompressor.defaultLevel) throws(GzipError) -> [UInt8] {
        let compressor = try GzipCompressor(level: level)
        try compressor.append(bytes)
        return try compressor.finish()
    }

    /// Decompresses gzip (or zlib: windowBits 15 + 32 detects the wrapper) data. Refuses truncated
    /// input, corrupt data (CRC or size mismatch in the trailer) and bytes after the end of the
    /// stream; an output larger than `maximumOutputBytes` is refused too (a decompression bomb).
    public static func decompress(_ bytes: [UInt8], maximumOutputBytes: Int = 1 << 32) throws(GzipError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw GzipError(operation: "inflateInit2", status: status, message: stream.pointee.msg) }
        defer { inflateEnd(stream) }

        var input = bytes
        var output: [UInt8] = []
        output.reserveCapacity(min(maximumOutputBytes, bytes.count * 4 + 64))
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var finished = false
        var failure: GzipError?
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.pointee.next_in = inputBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inputBuffer.count)
            while !finished {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { outputBuffer -> (Int32, Int) in
                    stream.pointee.next_out = outputBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(outputBuffer.count)
                    let result = inflate(stream, Z_NO_FLUSH)
                    return (result, outputBuffer.count - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maximumOutputBytes {
                    failure = GzipError(operation: "inflate", status: Z_DATA_ERROR, description: "output larger than \(maximumOutputBytes) bytes")
                    return
                }
                switch result {
                case Z_STREAM_END:
                    finished = true
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                    failure = GzipError(operation: "inflate", status: result, description: "truncated gzip data")
                    return
                default:
                    failure = GzipError(operation: "inflate", status: result, message: stream.pointee.msg)
                    return
                }
            }
            if stream.pointee.avail_in != 0 {
                failure = GzipError(operation: "inflate", status: Z_DATA_ERROR, description: "\(stream.pointee.avail_in) bytes after the end of the gzip stream")
            }
            stream.pointee.next_in = nil
        }
        if let failure { throw failure }
        return output
    }
}

/// A streaming gzip compressor: append pieces, then `finish` once. Output accumulates in memory
/// (compressed), so a large input never has to exist uncompressed all at once.
///
/// Not thread-safe; one owner at a time.
public final class GzipCompressor {
    public static let defaultLevel: Int32 = 6

    /// zlib keeps a pointer back to its `z_stream`, so the stream lives at a fixed heap address.
    private let stream: UnsafeMutablePointer<z_stream>
    private var output: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    private var finished = false
    /// Uncompressed bytes appended so far.
    public private(set) var inputByteCount = 0

    public init(level: Int32 = GzipCompressor.defaultLevel) throws(GzipError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // windowBits 15 + 16: a gzip wrapper instead of zlib's; memLevel 8 is zlib's default.
        let status = deflateInit2_(stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            let error = GzipError(operation: "deflateInit2", status: status, message: stream.pointee.msg)
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compressed bytes produced so far (the rest comes out of `finish`).
    public var compressedByteCount: Int { output.count }

    public func append(_ bytes: [UInt8]) throws(GzipError) {
        precondition(!finished, "GzipCompressor.append after finish")
        guard !bytes.isEmpty else { return }
        inputByteCount += bytes.count
        try run(bytes, flush: Z_NO_FLUSH)
    }

    public func append(_ text: String) throws(GzipError) {
        try append(Array(text.utf8))
    }

    /// Ends the stream and returns every compressed byte.
    public func finish() throws(GzipError) -> [UInt8] {
        precondition(!finished, "GzipCompressor.finish called twice")
        try run([], flush: Z_FINISH)
        finished = true
        let result = output
        output = []
        return result
    }

    private func run(_ bytes: [UInt8], flush: Int32) throws(GzipError) {
        var input = bytes
        var failure: GzipError?
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.pointee.next_in = inputBuffer.baseAddress
            stream.pointee.avail_in = UInt32(inputBuffer.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { outputBuffer -> (Int32, Int) in
                    stream.pointee.next_out = outputBuffer.baseAddress
                    stream.pointee.avail_out = UInt32(outputBuffer.count)
                    let result = deflate(stream, flush)
                    return (result, outputBuffer.count - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if flush == Z_FINISH {
                    if result == Z_STREAM_END { break }
                    // Z_OK or Z_BUF_ERROR: more output is pending, go round with an empty buffer.
                    guard result == Z_OK || result == Z_BUF_ERROR else {
                        failure = GzipError(operation: "deflate", status: result, message: stream.pointee.msg)
                        break
                    }
                } else {
                    guard result == Z_OK || result == Z_BUF_ERROR else {
                        failure = GzipError(operation: "deflate", status: result, message: stream.pointee.msg)
                        break
                    }
                    // All input consumed and the output buffer was not filled: nothing is pending.
                    if stream.pointee.avail_in == 0 && produced < chunk.count { break }
                }
            }
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        if let failure { throw failure }
    }
}

public struct GzipError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let status: Int32
    public let description: String

    init(operation: String, status: Int32, description: String) {
        self.operation = operation
        self.status = status
        self.description = "\(operation): \(description) (zlib status \(status))"
    }

    init(operation: String, status: Int32, message: UnsafePointer<CChar>?) {
        self.init(operation: operation, status: status, description: message.map { String(cString: $0) } ?? "failed")
    }
}
