import Files
#if canImport(Glibc)
import Glibc
#endif

/// /proc lookups for the descriptor tests.
enum ProcFS {
    /// The socket inode listening on 127.0.0.1:port (from /proc/net/tcp).
    static func listeningSocketInode(port: Int) -> String? {
        for line in (FileSystem.readText("/proc/net/tcp") ?? "").split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, fields[3] == "0A" else { continue }  // LISTEN
            let local = fields[1].split(separator: ":")
            if local.count == 2, Int(local[1], radix: 16) == port { return String(fields[9]) }
        }
        return nil
    }

    /// (descriptor, readlink target) of a process's open descriptors.
    static func descriptors(_ pid: pid_t) -> [(Int32, String)] {
        ((try? FileSystem.list("/proc/\(pid)/fd")) ?? []).compactMap { name in
            guard let descriptor = Int32(name) else { return nil }
            var buffer = [CChar](repeating: 0, count: 512)
            let count = readlink("/proc/\(pid)/fd/\(name)", &buffer, 511)
            guard count > 0 else { return nil }
            return (descriptor, String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}
