#if canImport(Glibc)
import Glibc
#endif
import Processes

/// A blocking TCP socket to 127.0.0.1, for tests that must see exactly what a server sends, read
/// by read (an exact request line, or which frames one `recv` returns).
public enum LoopbackSocket {
    /// A connected descriptor (the caller closes it) whose reads give up after `receiveTimeoutSeconds`.
    public static func connect(port: Int, receiveTimeoutSeconds: Int = 10) throws -> Int32 {
        let descriptor = try Ports.connect(port: port)
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return descriptor
    }
}
