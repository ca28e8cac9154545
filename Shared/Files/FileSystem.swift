#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// Every file operation the project needs, without Foundation: small text files (key files,
/// JWKS documents, the runner's state, /proc), whole regular files that must not be reached
/// through a symbolic link (the dashboard's assets, the object store stand-in), directory
/// listings and durable atomic writes. All calls block.
public enum FileSystem {
    /// A failed system call and its errno.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let operation: String
        public let errno: Int32
        public init(operation: String, errno: Int32) {
            self.operation = operation
            self.errno = errno
        }
        public var description: String { "\(operation): \(String(cString: strerror(errno)))" }
    }

    public enum Kind: Sendable { case missing, file, directory, other }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

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

    /// The size of the regular file at `path` (not through a final link), or nil.
    public static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
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

    // MARK: reading

    /// The whole file as UTF-8 text, or nil when it cannot be read. Follows symbolic links:
    /// mounted secrets and config maps are links.
    public static func readText(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return (try? readAll(descriptor)).map { String(decoding: $0, as: UTF8.self) }
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
        return try readAll(descriptor, sizeHint: Int(info.st_size))
    }

    private static func readAll(_ descriptor: Int32, sizeHint: Int = 0) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sizeHint)
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

    // MARK: writing

    /// Writes `text` through a temporary file, flushed and renamed over `path`: readers see the
    /// old file or the whole new one, and after a crash it is the old one or the complete new one.
    public static func writeText(_ text: String, to path: String, mode: mode_t = 0o644) throws(Failure) {
        try writeAtomically(Array(text.utf8), to: path, mode: mode)
    }

    /// The durable atomic write behind `writeText`. The temporary file lives in
    /// `temporaryDirectory` (same file system as `path`), by default beside `path`.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       temporaryDirectory: String? = nil) throws(Failure) {
        let directory = temporaryDirectory ?? parent(of: path)
        let temporaryPath = "\(directory)/.\(randomHex())-\(getpid()).tmp"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Failure(operation: "open \(temporaryPath)", errno: errno) }
        do throws(Failure) {
            try writeAll(bytes, to: descriptor)
            guard fsync(descriptor) == 0 else { throw Failure(operation: "fsync", errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporaryPath)
            throw error
        }
        close(descriptor)
        guard rename(temporaryPath, path) == 0 else {
            let error = errno
            unlink(temporaryPath)
            throw Failure(operation: "rename \(path)", errno: error)
        }
        try syncDirectory(containing: path)
    }

    /// `mkdir -p`. A component that exists but is not a directory fails with ENOTDIR.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) == 0 { continue }
            let error = errno
            guard error == EEXIST else { throw Failure(operation: "mkdir \(current)", errno: error) }
            guard kind(current) == .directory else { throw Failure(operation: "mkdir \(current)", errno: ENOTDIR) }
        }
    }

    /// Removes the regular file at `path` durably; false if there was none.
    @discardableResult
    public static func removeFile(_ path: String) throws(Failure) -> Bool {
        guard kind(path) == .file else { return false }
        guard unlink(path) == 0 else {
            let error = errno
            if error == ENOENT { return false }
            throw Failure(operation: "unlink \(path)", errno: error)
        }
        try syncDirectory(containing: path)
        return true
    }

    /// Removes `path` and everything below it, depth first, never following symbolic links
    /// (a link is removed, not its target). Failures are ignored: clean-up of what we created.
    public static func removeTree(_ path: String) {
        if kind(path) == .directory {
            for name in (try? list(path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Removes whatever file is at `path`, ignoring failures (clean-up of files we created).
    public static func remove(_ path: String) { unlink(path) }

    // MARK: places

    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A fresh private directory under /tmp, traversable by others (the embedded Postgres runs as
    /// the postgres user when we are root).
    public static func temporaryDirectory(prefix: String) throws(Failure) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw Failure(operation: "mkdtemp", errno: errno) }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(path, 0o755)
        return path
    }

    /// The executable of this process (for re-launching itself).
    public static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: helpers

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    private static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure(operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// A rename or unlink is durable only once the directory holding the entry is flushed.
    private static func syncDirectory(containing path: String) throws(Failure) {
        let descriptor = open(parent(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(operation: "open directory", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw Failure(operation: "fsync directory", errno: errno) }
    }
}
