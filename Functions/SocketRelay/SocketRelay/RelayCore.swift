import AccessTokens
import Logging
import NIOCore
import Synchronization

/// What every session, handler and the broadcaster share: configuration, the per-event-loop
/// registries, the sid directory, the Socket.IO application, counters.
final class RelayCore: @unchecked Sendable {
    let configuration: RelayConfiguration
    let logger: Logger
    let metrics = RelayMetrics()
    let directory = SessionDirectory()
    let application: any SocketIOApplication
    /// Set once by `attach` before the server accepts connections, read-only afterwards.
    private(set) var registries: [RoomRegistry] = []
    let isDraining = Atomic<Bool>(false)
    let redisConnected = Atomic<Bool>(false)

    init(configuration: RelayConfiguration, application: any SocketIOApplication, logger: Logger) {
        self.configuration = configuration
        self.application = application
        self.logger = logger
    }

    func attach(eventLoops: [any EventLoop]) {
        registries = eventLoops.map { RoomRegistry(eventLoop: $0, core: self) }
    }

    func registry(for eventLoop: any EventLoop) -> RoomRegistry {
        registries.first { $0.eventLoop === eventLoop } ?? registries[0]
    }

    /// Company ids with at least one connected socket on any loop (each loop asked on itself).
    /// The access token in a handshake's `Cookie` header, if the dashboard's session cookie is there.
    func sessionCookieToken(_ header: String?) -> String? {
        guard let header else { return nil }
        return SessionCookies.parse(header)[SessionCookies(secure: configuration.secureCookies).access]
    }

    func companiesWithMembers() async -> Set<String> {
        var companies = Set<String>()
        for registry in registries {
            if let local = try? await registry.eventLoop.submit({ registry.companiesWithMembers() }).get() { companies.formUnion(local) }
        }
        return companies
    }

    /// Collects every loop's counters (each read on its own loop) into the Prometheus text.
    func metricsText(on eventLoop: any EventLoop) -> EventLoopFuture<String> {
        let futures = registries.map { registry in registry.eventLoop.submit { registry.snapshot() } }
        let metrics = self.metrics
        let redis = redisConnected.load(ordering: .relaxed)
        return EventLoopFuture.whenAllSucceed(futures, on: eventLoop).map { metrics.render($0, redisConnected: redis) }
    }
}
