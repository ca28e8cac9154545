import Files
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under /tmp, removed with everything in it by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/ccr-object-store-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func remove() {
        Self.removeTree(path)
    }

    func writeFile(_ relativePath: String, _ text: String) {
        let descriptor = open("\(path)/\(relativePath)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(descriptor >= 0)
        _ = Array(text.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
    }

    func exists(_ relativePath: String) -> Bool {
        access("\(path)/\(relativePath)", F_OK) == 0
    }

    /// Names in a directory, without `.` and `..`, sorted.
    func entries(_ relativePath: String) -> [String] {
        Self.names(in: "\(path)/\(relativePath)")
    }

    private static func removeTree(_ path: String) { FileSystem.removeTree(path) }

    private static func names(in directoryPath: String) -> [String] { (try? FileSystem.list(directoryPath)) ?? [] }
}
