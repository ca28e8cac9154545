#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import BlockingIO

/// Turns a host name into addresses. The client asks it once per request and connects only to
/// what it answered (after the policy allowed all of it), so whatever DNS says a moment later
/// cannot redirect the connection.
public protocol HostResolver: Sendable {
    /// Every address (A and AAAA) of `host`, in the order to try them; never empty on success.
    func resolve(host: String) async throws(OutboundHTTPError) -> [IPAddress]
}

/// The system resolver (`getaddrinfo`, so /etc/hosts and the configured DNS servers) run on a
/// `BlockingExecutor` thread, because it blocks and cannot be cancelled. The caller's deadline
/// stops the wait, not the lookup.
public struct SystemHostResolver: HostResolver {
    private let executor: BlockingExecutor

    public init(executor: BlockingExecutor) {
        self.executor = executor
    }

    public func resolve(host: String) async throws(OutboundHTTPError) -> [IPAddress] {
        let result: Result<[IPAddress], OutboundHTTPError>
        do {
            result = try await executor.run { Self.lookup(host) }
        } catch {
            throw .dnsFailure(host: host, reason: "resolver unavailable: \(error)")
        }
        return try result.get()
    }

    /// All addresses in `getaddrinfo`'s order (RFC 6724 destination selection), duplicates removed.
    /// No AI_ADDRCONFIG: it hides 127.0.0.1 for `localhost` on hosts with only a loopback interface.
    static func lookup(_ host: String) -> Result<[IPAddress], OutboundHTTPError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else {
            let reason = status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            return .failure(.dnsFailure(host: host, reason: reason))
        }
        defer { freeaddrinfo(list) }
        var addresses: [IPAddress] = []
        var cursor = list
        while let entry = cursor {
            if let address = Self.address(entry.pointee), !addresses.contains(address) { addresses.append(address) }
            cursor = entry.pointee.ai_next
        }
        guard !addresses.isEmpty else { return .failure(.dnsFailure(host: host, reason: "no addresses")) }
        return .success(addresses)
    }

    private static func address(_ entry: addrinfo) -> IPAddress? {
        guard let socketAddress = entry.ai_addr else { return nil }
        switch entry.ai_family {
        case AF_INET:
            return socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin_addr
                return withUnsafeBytes(of: &raw) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                var raw = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &raw) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }
}
