#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import AsyncHTTPClient
import BlockingIO
import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTP1
import NIOPosix

/// HTTP for URLs that users typed (notification destinations), guarded against SSRF at connect
/// time: parse strictly, check scheme and port, resolve the name once, refuse if *any* address
/// is not allowed (OWASP: a name with one public and one private answer is a rebinding trick),
/// then connect to a checked address while TLS and the Host header keep the name. Redirects are
/// never followed; the 3xx comes back as the response.
///
/// ```swift
/// let client = GuardedHTTPClient(policy: try .fromEnvironment(Environment()))
/// let response = try await client.post(url: destination, headers: [("Content-Type", "application/json")], body: bytes)
/// await client.shutdown()
/// ```
public final class GuardedHTTPClient: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// From the start of the TCP connect to an established connection (TLS included).
        public var connectTimeoutMilliseconds: Int
        /// The whole call: DNS, connect, request, response head and the capped body. Standard
        /// Webhooks suggests 15–30 s; deliveries are retried, so shorter is kinder to workers.
        public var totalTimeoutMilliseconds: Int
        /// Response bodies are read up to this many bytes; the rest is dropped (an error message
        /// for the delivery log is all a notification endpoint ever needs to say).
        public var maximumResponseBytes: Int
        /// Pinned clients kept for connection reuse (one per host and address).
        public var maximumPinnedClients: Int
        /// A pinned client (and its connections) unused this long is closed.
        public var idleClientSeconds: Int
        /// Addresses of one name tried in turn when a connection cannot be established (refused,
        /// unreachable, connect timeout); nothing has been sent at that point, so it is safe.
        public var maximumAddressesTried: Int

        public init(connectTimeoutMilliseconds: Int = 5_000, totalTimeoutMilliseconds: Int = 15_000, maximumResponseBytes: Int = 64 * 1024,
                    maximumPinnedClients: Int = 64, idleClientSeconds: Int = 60, maximumAddressesTried: Int = 3) {
            self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
            self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
            self.maximumResponseBytes = maximumResponseBytes
            self.maximumPinnedClients = maximumPinnedClients
            self.idleClientSeconds = idleClientSeconds
            self.maximumAddressesTried = maximumAddressesTried
        }
    }

    /// Where a URL would connect, after every check (see `resolve(url:)`).
    public struct Destination: Sendable, Hashable {
        public let url: OutboundURL
        /// Every address of the host, all allowed by the policy, in the order they are tried.
        public let addresses: [IPAddress]
    }

    public let policy: OutboundURLPolicy
    public let configuration: Configuration
    private let resolver: any HostResolver
    /// The resolver's threads, when this client made them (shut down with the client).
    private let ownedExecutor: BlockingExecutor?
    private let pool: PinnedClientPool

    /// - Parameters:
    ///   - resolver: how names become addresses; by default `getaddrinfo` on two threads of
    ///     the client's own. Tests pass a fixed table.
    ///   - eventLoopGroup: the event loops the connections run on.
    public init(policy: OutboundURLPolicy, configuration: Configuration = Configuration(), resolver: (any HostResolver)? = nil,
                eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup) {
        self.policy = policy
        self.configuration = configuration
        if let resolver {
            self.resolver = resolver
            self.ownedExecutor = nil
        } else {
            let executor = BlockingExecutor(threads: 2)
            self.resolver = SystemHostResolver(executor: executor)
            self.ownedExecutor = executor
        }
        self.pool = PinnedClientPool(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    /// Closes every connection and stops the resolver threads. Call once, when done.
    public func shutdown() async {
        await pool.shutdown()
        await ownedExecutor?.shutdown()
    }

    /// POSTs `body` to a user-given URL. `headers` are sent as given (a `Content-Type:
    /// application/json` is added when absent); the Host header comes from the URL.
    public func post(url: String, headers: [(String, String)] = [], body: [UInt8]) async throws(OutboundHTTPError) -> OutboundResponse {
        try await send(method: .POST, url: url, headers: headers, body: body)
    }

    /// GET, for checks such as Discord's `GET /webhooks/{id}/{token}` (is the webhook alive?).
    public func get(url: String, headers: [(String, String)] = []) async throws(OutboundHTTPError) -> OutboundResponse {
        try await send(method: .GET, url: url, headers: headers, body: nil)
    }

    /// The policy check plus resolution, without connecting: for a save-time check that also
    /// looks at DNS ("this name points at a private address"). Delivery re-checks every time.
    public func resolve(url text: String) async throws(OutboundHTTPError) -> Destination {
        let url = try checkURL(text)
        let deadline = monotonicNanoseconds() + UInt64(configuration.totalTimeoutMilliseconds) * 1_000_000
        return try await withDeadline(deadline) { () async throws(OutboundHTTPError) -> Destination in
            try await self.destination(url)
        }
    }

    /// Pinned clients currently open (one per host and address in use; for metrics and tests).
    public var pinnedClientCount: Int { pool.count }

    // MARK: - The request

    private func send(method: HTTPMethod, url text: String, headers: [(String, String)], body: [UInt8]?) async throws(OutboundHTTPError)
        -> OutboundResponse
    {
        let started = monotonicNanoseconds()
        let deadline = started + UInt64(configuration.totalTimeoutMilliseconds) * 1_000_000
        let url = try checkURL(text)
        return try await withDeadline(deadline) { () async throws(OutboundHTTPError) -> OutboundResponse in
            let destination = try await self.destination(url)
            var lastError = OutboundHTTPError.connectionRefused
            for address in destination.addresses.prefix(max(1, self.configuration.maximumAddressesTried)) {
                do {
                    return try await self.exchange(method: method, url: url, address: address, headers: headers, body: body,
                                                   started: started, deadline: deadline)
                } catch let failure as ConnectFailure {
                    // Not connected, nothing sent: the next address may answer.
                    lastError = failure.error
                } catch let failure as ExchangeFailure {
                    throw failure.error
                } catch {
                    throw .transport(reason: "\(error)")
                }
            }
            throw lastError
        }
    }

    private func checkURL(_ text: String) throws(OutboundHTTPError) -> OutboundURL {
        switch policy.check(url: text) {
        case .success(let url): return url
        case .failure(let refusal) where refusal.kind == .address: throw .blockedAddress(reason: refusal.reason)
        case .failure(let refusal): throw .invalidURL(reason: refusal.reason)
        }
    }

    /// Resolves the host and checks every address; all must pass.
    private func destination(_ url: OutboundURL) async throws(OutboundHTTPError) -> Destination {
        switch url.host {
        case .address(let address):
            // Already checked by `checkURL`.
            return Destination(url: url, addresses: [address])
        case .name(let name):
            let addresses = try await resolveCancellable(name)
            for address in addresses {
                if let refusal = policy.check(address: address) {
                    throw .blockedAddress(reason: "\(name) resolves to a refused address: \(refusal.reason)")
                }
            }
            return Destination(url: url, addresses: addresses)
        }
    }

    /// A failure before the connection existed (the caller may try another address).
    private struct ConnectFailure: Error {
        let error: OutboundHTTPError
    }

    /// A failure after the request may have been sent (never retried here).
    private struct ExchangeFailure: Error {
        let error: OutboundHTTPError
    }

    /// One attempt against one pinned address. Throws `ConnectFailure` or `ExchangeFailure`.
    private func exchange(method: HTTPMethod, url: OutboundURL, address: IPAddress, headers: [(String, String)], body: [UInt8]?,
                          started: UInt64, deadline: UInt64) async throws -> OutboundResponse
    {
        let isName: Bool
        if case .name = url.host { isName = true } else { isName = false }
        let key = PinnedClientPool.Key(host: url.hostText, address: address)
        guard let client = pool.lease(key, overrideDNS: isName) else { throw ExchangeFailure(error: .transport(reason: "the client is shut down")) }
        defer { pool.release(key) }

        var request = HTTPClientRequest(url: url.description)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !request.headers.contains(name: "content-type") { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let now = monotonicNanoseconds()
        let remaining = deadline > now ? deadline - now : 0
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + .nanoseconds(Int64(remaining)))
        } catch {
            let (mapped, beforeConnecting) = Self.map(error)
            if beforeConnecting { throw ConnectFailure(error: mapped) }
            throw ExchangeFailure(error: mapped)
        }
        var headerFields: [String: String] = [:]
        for header in response.headers {
            let name = header.name.lowercased()
            headerFields[name] = headerFields[name].map { $0 + ", " + header.value } ?? header.value
        }
        var collected: [UInt8] = []
        var truncated = false
        do {
            for try await chunk in response.body {
                let room = configuration.maximumResponseBytes - collected.count
                if chunk.readableBytes > room {
                    collected += chunk.readableBytesView.prefix(room)
                    truncated = true
                    break  // ends the stream; the connection is closed rather than drained
                }
                collected += chunk.readableBytesView
            }
        } catch {
            throw ExchangeFailure(error: Self.map(error).0)
        }
        let latency = Double(monotonicNanoseconds() - started) / 1_000_000
        return OutboundResponse(status: Int(response.status.code), headers: headerFields, body: collected, bodyTruncated: truncated,
                                latencyMilliseconds: latency, remoteAddress: address)
    }

    /// async-http-client's and SwiftNIO's errors as ours; the flag says whether the failure
    /// happened before a connection existed.
    static func map(_ error: any Error) -> (OutboundHTTPError, beforeConnecting: Bool) {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .tlsHandshakeTimeout: return (.connectTimeout, true)
            case .deadlineExceeded, .readTimeout, .writeTimeout, .cancelled: return (.timeout, false)
            default: return (.transport(reason: "\(error)"), false)
            }
        }
        if error is CancellationError { return (.timeout, false) }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return (.connectionRefused, true)
            case ENETUNREACH, EHOSTUNREACH, EADDRNOTAVAIL, EAFNOSUPPORT: return (.transport(reason: "\(error)"), true)
            default: return (.transport(reason: "\(error)"), false)
            }
        }
        if let error = error as? NIOConnectionError {
            // Every address failed to connect (async-http-client resolves nothing here, so
            // there is one); report the first cause.
            if let first = error.connectionErrors.first { return map(first.error) }
            return (.transport(reason: "\(error)"), true)
        }
        return (.transport(reason: "\(error)"), false)
    }

    // MARK: - Deadlines

    /// Runs `operation` until `deadline` (monotonic nanoseconds); past it, cancels the operation
    /// and throws `.timeout`.
    private func withDeadline<T: Sendable>(_ deadline: UInt64, _ operation: @escaping @Sendable () async throws(OutboundHTTPError) -> T)
        async throws(OutboundHTTPError) -> T
    {
        let result = await withTaskGroup(of: Result<T, OutboundHTTPError>?.self) { group in
            group.addTask {
                do throws(OutboundHTTPError) { return .success(try await operation()) } catch { return .failure(error) }
            }
            group.addTask {
                let now = monotonicNanoseconds()
                if deadline > now { try? await Task.sleep(nanoseconds: deadline - now) }
                return Task.isCancelled ? nil : .failure(.timeout)
            }
            var first: Result<T, OutboundHTTPError>?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .failure(.timeout)
        }
        return try result.get()
    }

    /// The resolver under cancellation: `getaddrinfo` cannot be interrupted, so on cancellation
    /// (the deadline) the wait ends at once and the lookup finishes unobserved on its thread.
    private func resolveCancellable(_ host: String) async throws(OutboundHTTPError) -> [IPAddress] {
        typealias Waiter = CheckedContinuation<Result<[IPAddress], OutboundHTTPError>, Never>
        let waiter = NIOLockedValueBox<Waiter?>(nil)
        let take: @Sendable () -> Waiter? = { waiter.withLockedValue { current in defer { current = nil }; return current } }
        let resolver = self.resolver
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Waiter) in
                waiter.withLockedValue { $0 = continuation }
                if Task.isCancelled { take()?.resume(returning: .failure(.timeout)); return }
                Task {
                    let result: Result<[IPAddress], OutboundHTTPError>
                    do throws(OutboundHTTPError) { result = .success(try await resolver.resolve(host: host)) } catch { result = .failure(error) }
                    take()?.resume(returning: result)
                }
            }
        } onCancel: {
            take()?.resume(returning: .failure(.timeout))
        }
        return try result.get()
    }
}
