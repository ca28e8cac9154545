import NIOHTTP1
import NIOCore
public import AsyncHTTPClient
import BlockingIO
public import CryptoExtras
public import Logging
import NIOConcurrencyHelpers

/// Where the verifier gets public keys by `kid`.
public protocol VerificationKeySource: Sendable {
    /// The key for `kid`, or nil when this source does not know it (after trying to refresh).
    func key(for kid: String) async throws -> _RSA.Signing.PublicKey?
    /// The key for `kid` if this source already holds it, without reading anything.
    func knownKey(for kid: String) -> _RSA.Signing.PublicKey?
}

/// Several key sources in order (the project's own keys, then a development key file or an
/// external identity provider's key set).
public struct KeySources: VerificationKeySource {
    private let sources: [any VerificationKeySource]

    public init(_ sources: [any VerificationKeySource]) {
        self.sources = sources
    }

    /// A source that already holds the key answers first, so a kid known to one source never
    /// makes another one read (or wait for its refetch floor).
    public func key(for kid: String) async throws -> _RSA.Signing.PublicKey? {
        if let known = knownKey(for: kid) { return known }
        var failure: (any Error)?
        for source in sources {
            do {
                if let key = try await source.key(for: kid) { return key }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return nil
    }

    public func knownKey(for kid: String) -> _RSA.Signing.PublicKey? {
        for source in sources { if let key = source.knownKey(for: kid) { return key } }
        return nil
    }
}

/// Keys from a local JWKS document or a PEM public key (`JWT_JWKS_FILE`). A PEM file holds one
/// key and matches any `kid`.
public struct StaticKeySource: VerificationKeySource {
    private let keys: [String: _RSA.Signing.PublicKey]
    private let single: _RSA.Signing.PublicKey?

    public init(jwks: JSONWebKeySet) {
        keys = jwks.keys
        single = nil
    }

    public init(fileContents text: String) throws {
        if text.contains("-----BEGIN") {
            do {
                single = try _RSA.Signing.PublicKey(pemRepresentation: text)
            } catch {
                throw AuthError(.keysUnavailable, "JWT key file is not an RSA public key PEM")
            }
            keys = [:]
        } else {
            keys = try JSONWebKeySet(json: text).keys
            single = nil
        }
    }

    public func key(for kid: String) async throws -> _RSA.Signing.PublicKey? {
        knownKey(for: kid)
    }

    public func knownKey(for kid: String) -> _RSA.Signing.PublicKey? {
        single ?? keys[kid]
    }
}

/// Keys from the identity provider's JWKS URL (`JWT_JWKS_URL`), cached. An unknown `kid` triggers
/// a refetch (the provider rotated its keys), but at most once per `minimumRefreshSeconds`, so a
/// flood of tokens with made-up kids cannot turn into a flood of requests to the provider.
public final class RemoteKeySource: VerificationKeySource {
    private struct State {
        var keys: [String: _RSA.Signing.PublicKey] = [:]
        var lastFetch: UInt64 = 0
        var fetching: Task<Void, any Error>?
    }

    private let url: String
    private let client: HTTPClient
    private let minimumRefreshNanoseconds: UInt64
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    public init(url: String, client: HTTPClient, minimumRefreshSeconds: Int = 30, logger: Logger) {
        self.url = url
        self.client = client
        self.minimumRefreshNanoseconds = UInt64(minimumRefreshSeconds) * 1_000_000_000
        self.logger = logger
    }

    public func knownKey(for kid: String) -> _RSA.Signing.PublicKey? {
        state.withLockedValue { $0.keys[kid] }
    }

    public func key(for kid: String) async throws -> _RSA.Signing.PublicKey? {
        if let key = knownKey(for: kid) { return key }
        try await refreshIfAllowed()
        return state.withLockedValue { $0.keys[kid] }
    }

    private func refreshIfAllowed() async throws {
        let task = state.withLockedValue { state -> Task<Void, any Error>? in
            if let fetching = state.fetching { return fetching }
            let now = monotonicNanoseconds()
            guard state.lastFetch == 0 || now - state.lastFetch >= minimumRefreshNanoseconds else { return nil }
            state.lastFetch = now
            let task = Task { try await self.fetch() }
            state.fetching = task
            return task
        }
        guard let task else { return }
        defer { state.withLockedValue { $0.fetching = nil } }
        try await task.value
    }

    private func fetch() async throws {
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            guard response.status.code == 200 else { throw AuthError(.keysUnavailable, "JWKS fetch answered \(response.status.code)") }
            var body = try await response.body.collect(upTo: 1 << 20)
            let text = body.readString(length: body.readableBytes) ?? ""
            let jwks = try JSONWebKeySet(json: text)
            state.withLockedValue { $0.keys = jwks.keys }
            logger.info("jwks refreshed", metadata: ["keys": "\(jwks.keys.count)"])
        } catch let error as AuthError {
            throw error
        } catch {
            throw AuthError(.keysUnavailable, "JWKS fetch failed: \(error)")
        }
    }
}
