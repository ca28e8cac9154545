import AsyncHTTPClient
import NIOConcurrencyHelpers
import NIOCore
import BlockingIO

/// One `HTTPClient` per (host, checked address), each with `dnsOverride` mapping the host to that
/// address: the client connects to the address the policy allowed and never resolves the name
/// itself, while the URL keeps the name, so TLS SNI, certificate verification and the Host
/// header all use the name (async-http-client 1.37: `ConnectionPool.Key` takes the override as
/// the connection target and the original host as `serverNameIndicatorOverride`).
///
/// `dnsOverride` is per client, not per request, hence one client per pin. Keeping them (rather
/// than one per request) lets repeated deliveries to the same destination reuse connections;
/// the pool is bounded and clients idle for a while are shut down.
final class PinnedClientPool: Sendable {
    struct Key: Hashable, Sendable {
        /// The URL's host as the client sees it (a name, or an address literal).
        let host: String
        let address: IPAddress
    }

    private struct Entry {
        let client: HTTPClient
        var inFlight: Int
        var lastUsedNanoseconds: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var isShutDown = false
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoopGroup: any EventLoopGroup
    private let configuration: GuardedHTTPClient.Configuration

    init(eventLoopGroup: any EventLoopGroup, configuration: GuardedHTTPClient.Configuration) {
        self.eventLoopGroup = eventLoopGroup
        self.configuration = configuration
    }

    /// The client pinned to `key` (created on first use); `release` it when the request is done.
    func lease(_ key: Key, overrideDNS: Bool) -> HTTPClient? {
        let now = monotonicNanoseconds()
        let (client, evicted): (HTTPClient?, [HTTPClient]) = state.withLockedValue { state in
            guard !state.isShutDown else { return (nil, []) }
            if var entry = state.entries[key] {
                entry.inFlight += 1
                entry.lastUsedNanoseconds = now
                state.entries[key] = entry
                return (entry.client, [])
            }
            let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: makeConfiguration(key, overrideDNS: overrideDNS))
            state.entries[key] = Entry(client: client, inFlight: 1, lastUsedNanoseconds: now)
            return (client, evictLocked(&state, now: now))
        }
        close(evicted)
        return client
    }

    func release(_ key: Key) {
        let now = monotonicNanoseconds()
        let evicted: [HTTPClient] = state.withLockedValue { state in
            guard var entry = state.entries[key] else { return [] }
            entry.inFlight -= 1
            entry.lastUsedNanoseconds = now
            state.entries[key] = entry
            return evictLocked(&state, now: now)
        }
        close(evicted)
    }

    /// Shuts every client down (in-flight requests fail); later leases get nil.
    func shutdown() async {
        let clients = state.withLockedValue { state in
            state.isShutDown = true
            let clients = state.entries.values.map(\.client)
            state.entries = [:]
            return clients
        }
        for client in clients { try? await client.shutdown() }
    }

    /// Number of pinned clients (tests).
    var count: Int { state.withLockedValue { $0.entries.count } }

    /// Idle entries past the idle time, then the least recently used idle ones over the bound.
    /// Busy clients are never evicted; the pool may briefly exceed its bound when all are busy.
    private func evictLocked(_ state: inout State, now: UInt64) -> [HTTPClient] {
        let idleLimit = UInt64(configuration.idleClientSeconds) * 1_000_000_000
        var evicted: [HTTPClient] = []
        for (key, entry) in state.entries where entry.inFlight == 0 && now - entry.lastUsedNanoseconds > idleLimit {
            evicted.append(entry.client)
            state.entries[key] = nil
        }
        if state.entries.count > configuration.maximumPinnedClients {
            let idle = state.entries.filter { $0.value.inFlight == 0 }.sorted { $0.value.lastUsedNanoseconds < $1.value.lastUsedNanoseconds }
            for (key, entry) in idle.prefix(state.entries.count - configuration.maximumPinnedClients) {
                evicted.append(entry.client)
                state.entries[key] = nil
            }
        }
        return evicted
    }

    /// Evicted clients are idle, so their shutdown only closes idle connections; it runs in the
    /// background rather than delaying the request that caused the eviction.
    private func close(_ clients: [HTTPClient]) {
        guard !clients.isEmpty else { return }
        Task { for client in clients { try? await client.shutdown() } }
    }

    private func makeConfiguration(_ key: Key, overrideDNS: Bool) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,  // a 3xx is the caller's answer, never a second target
            timeout: .init(connect: .milliseconds(Int64(self.configuration.connectTimeoutMilliseconds)),
                           read: .milliseconds(Int64(self.configuration.totalTimeoutMilliseconds))),
            connectionPool: .init(idleTimeout: .seconds(Int64(self.configuration.idleClientSeconds))),
            proxy: nil,
            decompression: .disabled)  // no gzip bombs from a hostile endpoint
        // A refused connection fails the request at once (the caller may try the next address)
        // instead of the pool retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        if overrideDNS { configuration.dnsOverride = [key.host: key.address.description] }
        return configuration
    }
}
