#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX file reads several modules need (the object store stand-in, the dashboard's asset
/// loader), without Foundation. All block; none follows a final symbolic link.
public enum PosixFiles {
    /// A failed system call and its errno.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let operation: String
        public let errno: Int32
        public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    public enum Kind: Sendable { case missing, file, directory, other }

    /// What is at `path`, without following a final symbolic link (a link is `.other`).
    public static func kind(_ path: String) -> Kind {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// The entry names of a directory (without `.` and `..`), sorted.
    public static func list(_ path: String) throws(Failure) -> [String] {
        guard let handle = opendir(path) else { throw Failure(operation: "opendir \(path)", errno: errno) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole regular file at `path`; nil when there is none (missing, a directory, a symbolic
    /// link: O_NOFOLLOW). Other failures throw.
    public static func readRegularFile(_ path: String) throws(Failure) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            let error = errno
            if error == ENOENT || error == ENOTDIR || error == ELOOP { return nil }
            throw Failure(operation: "open", errno: error)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Failure(operation: "fstat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "read", errno: errno)
            }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }
}
