#if canImport(Glibc)
import Glibc
#endif

/// Loopback port helpers.
public enum Ports {
    /// A port the kernel considers free right now on 127.0.0.1 (from the ephemeral range: for
    /// clients and short-lived listeners; servers use `freeServerPort`).
    public static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ChildProcess.SpawnError(description: "socket() failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ChildProcess.SpawnError(description: "bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Where servers the runner starts listen: below Linux's ephemeral range (32768–60999 by
    /// default, `ip_local_port_range`), from which the kernel picks the source ports of outgoing
    /// connections. A server port inside that range can be taken by a client that reconnects
    /// while the server is down (a TCP self-connect), and the server then cannot restart.
    public static let serverPortRange = 20_000...32_767

    /// A port in `serverPortRange` that is free right now on 127.0.0.1.
    public static func freeServerPort() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: serverPortRange)
            if canBind(port: port) { return port }
        }
        throw ChildProcess.SpawnError(description: "no free port in \(serverPortRange) on 127.0.0.1")
    }

    /// True when `port` lies in the kernel's ephemeral (outgoing) port range.
    public static func isEphemeral(_ port: Int) -> Bool {
        ephemeralRange().contains(port)
    }

    static func ephemeralRange() -> ClosedRange<Int> {
        let fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return 32_768...60_999 }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        let numbers = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard numbers.count == 2, numbers[0] <= numbers[1] else { return 32_768...60_999 }
        return numbers[0]...numbers[1]
    }

    static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// True when something accepts TCP connections on 127.0.0.1:port.
    public static func isAccepting(port: Int) -> Bool {
        guard let fd = try? connect(port: port) else { return false }
        close(fd)
        return true
    }

    /// A blocking TCP socket connected to 127.0.0.1:port (close-on-exec; the caller closes it).
    public static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ChildProcess.SpawnError(description: "socket() failed: \(String(cString: strerror(errno)))") }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ChildProcess.SpawnError(description: "connect to 127.0.0.1:\(port) failed: \(reason)")
        }
        return fd
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
