#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Files

/// The few POSIX file operations `LocalObjectStore` needs, without Foundation. All block.
enum FileSystem {
    /// `mkdir -p`. A path component that exists as a file is a key conflict.
    static func makeDirectories(_ path: String) throws(LocalObjectStoreError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) == 0 { continue }
            let error = errno
            guard error == EEXIST else {
                throw error == ENOTDIR ? .keyConflict : .io(operation: "mkdir", errno: error)
            }
            guard PosixFiles.kind(current) == .directory else { throw .keyConflict }
        }
    }

    /// Writes a temporary file in `temporaryDirectory`, flushes it to disk, renames it over `path`
    /// and flushes the directory: readers see the old file or the whole new one, never a part,
    /// and after a crash the file is either absent or complete.
    static func writeAtomically(_ bytes: [UInt8], to path: String, temporaryDirectory: String) throws(LocalObjectStoreError) {
        let temporaryPath = "\(temporaryDirectory)/\(Hex.random(byteCount: 12)).tmp"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "open", errno: errno) }
        do throws(LocalObjectStoreError) {
            try writeAll(bytes, to: descriptor)
            guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", errno: errno) }
            guard close(descriptor) == 0 else { throw .io(operation: "close", errno: errno) }
        } catch {
            close(descriptor)
            unlink(temporaryPath)
            throw error
        }
        guard rename(temporaryPath, path) == 0 else {
            let error = errno
            unlink(temporaryPath)
            // EISDIR: `path` is a directory (key `a` while `a/b` exists).
            throw error == EISDIR || error == ENOTDIR ? .keyConflict : .io(operation: "rename", errno: error)
        }
        try syncDirectory(containing: path)
    }

    /// The whole file, or nil if there is no regular file at `path` (the store never creates
    /// symbolic links, so one is never followed).
    static func readFile(_ path: String) throws(LocalObjectStoreError) -> [UInt8]? {
        do {
            return try PosixFiles.readRegularFile(path)
        } catch {
            throw .io(operation: error.operation, errno: error.errno)
        }
    }

    /// The size of the regular file at `path`, or nil.
    static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(info.st_size)
    }

    /// Removes the file at `path`; false if there was none.
    static func removeFile(_ path: String) throws(LocalObjectStoreError) -> Bool {
        guard PosixFiles.kind(path) == .file else { return false }
        guard unlink(path) == 0 else {
            let error = errno
            if error == ENOENT { return false }
            throw .io(operation: "unlink", errno: error)
        }
        try syncDirectory(containing: path)
        return true
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws(LocalObjectStoreError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", errno: errno)
            }
            offset += written
        }
    }

    /// A rename or unlink is durable only once the directory holding the entry is flushed.
    private static func syncDirectory(containing path: String) throws(LocalObjectStoreError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let descriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(operation: "open directory", errno: errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync directory", errno: errno) }
    }
}
