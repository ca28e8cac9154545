import BlockingIO
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OutboundHTTP
import Settings
import Testing

/// The SSRF guard for user-given URLs: the address classifier over literal cases, the strict URL
/// parser and policy, and the guarded client against a local Hummingbird server (loopback is only
/// reachable with allow-private, as in tests and stand-ins).
@Suite struct OutboundHTTPTests {
    // MARK: - Address classification

    static let global = AddressClassification.Scope.global
    static let local = AddressClassification.Scope.local
    static let forbidden = AddressClassification.Scope.forbidden

    static let addressCases: [(String, AddressClassification.Scope, String)] = [
        // IPv4: public
        ("8.8.8.8", global, "public"), ("1.1.1.1", global, "public"), ("223.255.255.255", global, "public"),
        ("100.63.255.255", global, "public"), ("100.128.0.0", global, "public"), ("172.15.255.255", global, "public"),
        ("172.32.0.0", global, "public"), ("198.17.255.255", global, "public"), ("198.20.0.0", global, "public"),
        ("11.0.0.1", global, "public"), ("126.255.255.255", global, "public"), ("128.0.0.0", global, "public"),
        // IPv4: loopback and private (allowed with OUTBOUND_ALLOW_PRIVATE)
        ("127.0.0.1", local, "loopback"), ("127.255.255.254", local, "loopback"), ("127.0.0.2", local, "loopback"),
        ("10.0.0.1", local, "RFC 1918"), ("10.255.255.255", local, "RFC 1918"),
        ("172.16.0.1", local, "RFC 1918"), ("172.31.255.255", local, "RFC 1918"),
        ("192.168.0.1", local, "RFC 1918"), ("192.168.255.255", local, "RFC 1918"),
        ("100.64.0.1", local, "CGNAT"), ("100.127.255.255", local, "CGNAT"),
        // IPv4: never
        ("0.0.0.0", forbidden, "this network"), ("0.1.2.3", forbidden, "this network"),
        ("169.254.169.254", forbidden, "cloud metadata"), ("169.254.0.1", forbidden, "link-local"), ("169.254.255.255", forbidden, "link-local"),
        ("100.100.100.200", forbidden, "cloud metadata"), ("168.63.129.16", forbidden, "cloud platform"),
        ("192.0.0.8", forbidden, "IETF"), ("192.0.0.192", forbidden, "IETF"), ("192.0.2.1", forbidden, "documentation"),
        ("192.88.99.1", forbidden, "6to4"), ("198.18.0.1", forbidden, "benchmarking"), ("198.19.255.255", forbidden, "benchmarking"),
        ("198.51.100.7", forbidden, "documentation"), ("203.0.113.9", forbidden, "documentation"),
        ("224.0.0.1", forbidden, "multicast"), ("239.255.255.250", forbidden, "multicast"),
        ("240.0.0.1", forbidden, "reserved"), ("254.1.2.3", forbidden, "reserved"), ("255.255.255.255", forbidden, "broadcast"),
        // IPv6: public
        ("2001:4860:4860::8888", global, "public"), ("2606:4700:4700::1111", global, "public"), ("2a00:1450:4001:80e::200e", global, "public"),
        ("3ffe::1", global, "public"), ("2001:200::1", global, "public"),
        // IPv6: loopback and unique local
        ("::1", local, "loopback"), ("fc00::1", local, "unique local"), ("fd12:3456:789a::1", local, "unique local"),
        // IPv6: never
        ("::", forbidden, "unspecified"), ("fe80::1", forbidden, "link-local"), ("febf:ffff::1", forbidden, "link-local"),
        ("fec0::1", forbidden, "site-local"), ("ff02::1", forbidden, "multicast"), ("ff0e::101", forbidden, "multicast"),
        ("fd00:ec2::254", forbidden, "cloud metadata"), ("100::1", forbidden, "discard"), ("2001:db8::1", forbidden, "documentation"),
        ("2001::1", forbidden, "Teredo"), ("2001:2::1", forbidden, "IETF"), ("2002:c0a8:101::1", forbidden, "6to4"),
        ("3fff::1", forbidden, "documentation"), ("64:ff9b:1::a00:1", forbidden, "local-use NAT64"), ("4000::1", forbidden, "not global unicast"),
        ("5f00::1", forbidden, "not global unicast"), ("::127.0.0.1", forbidden, "reserved"), ("::ffff:0:a00:1", forbidden, "reserved"),
        // IPv4-mapped and NAT64: judged by the IPv4 address inside
        ("::ffff:127.0.0.1", local, "IPv4-mapped 127.0.0.1: loopback"), ("::ffff:7f00:1", local, "loopback"),
        ("::ffff:10.1.2.3", local, "RFC 1918"), ("::ffff:192.168.1.1", local, "RFC 1918"),
        ("::ffff:169.254.169.254", forbidden, "cloud metadata"), ("::ffff:0.0.0.0", forbidden, "this network"),
        ("::ffff:8.8.8.8", global, "IPv4-mapped 8.8.8.8"), ("0:0:0:0:0:ffff:0808:0808", global, "IPv4-mapped 8.8.8.8"),
        ("64:ff9b::10.0.0.1", local, "NAT64 10.0.0.1: private"), ("64:ff9b::7f00:1", local, "loopback"),
        ("64:ff9b::a9fe:a9fe", forbidden, "cloud metadata"), ("64:ff9b::8.8.8.8", global, "NAT64 8.8.8.8"),
    ]

    @Test func classifiesAddresses() throws {
        for (text, scope, name) in Self.addressCases {
            let address = try #require(IPAddress(text), "\(text) should parse")
            let classification = AddressClassification.of(address)
            #expect(classification.scope == scope, "\(text): \(classification)")
            #expect(classification.description.contains(name), "\(text): \(classification) should mention \(name)")
        }
    }

    @Test func policyAllowsOnlyPublicUnlessPrivateIsAllowed() throws {
        let production = OutboundURLPolicy.production
        let local = OutboundURLPolicy(allowPrivate: true)
        for (text, scope, _) in Self.addressCases {
            let address = try #require(IPAddress(text))
            #expect((production.check(address: address) == nil) == (scope == Self.global), "\(text) in production")
            #expect((local.check(address: address) == nil) == (scope != Self.forbidden), "\(text) with allow-private")
        }
        let refusal = try #require(production.check(address: IPAddress("169.254.169.254")!))
        #expect(refusal.reason == "169.254.169.254 is cloud metadata endpoint (169.254.169.254/32), which is never a destination")
        #expect(refusal.kind == .address)
        #expect(production.check(address: IPAddress("10.1.2.3")!)?.reason
            == "10.1.2.3 is private network (RFC 1918) (10.0.0.0/8); the destination must be a public address")
    }

    @Test func parsesAddressesStrictly() {
        let valid: [(String, String)] = [
            ("1.2.3.4", "1.2.3.4"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
            ("::", "::"), ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"), ("1::", "1::"), ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
            ("::ffff:1.2.3.4", "::ffff:1.2.3.4"), ("::ffff:7f00:1", "::ffff:127.0.0.1"), ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"), ("fe80::", "fe80::"),
            ("1:0:0:2::3", "1:0:0:2::3"), ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
        ]
        for (text, canonical) in valid {
            let parsed = IPAddress(text)
            #expect(parsed?.description == canonical, "\(text) → \(String(describing: parsed))")
            if let parsed { #expect(IPAddress(parsed.description) == parsed, "\(canonical) must parse back") }
        }
        // Forms some resolvers accept and others do not: a guard must not read them at all.
        let invalid = [
            "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "127.1", "0177.0.0.1", "01.2.3.4", "0x7f.0.0.1", "2130706433", "1.2.3.-4", " 1.2.3.4",
            "1.2.3.4 ", "+1.2.3.4", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "::1:", ":1::", "1:2:3:4:5:6:7", "fe80::1%eth0",
            "::g", "1.2.3.4::", "::1.2.3", "::1.2.3.04", "1:2:3:4:5:6:7:1.2.3.4", "[::1]",
        ]
        for text in invalid { #expect(IPAddress(text) == nil, "\(text) must not parse") }
    }

    // MARK: - URLs

    @Test func checksURLsAtSaveTime() {
        let production = OutboundURLPolicy.production
        let accepted: [(String, String)] = [
            ("https://discord.com/api/webhooks/1/abc", "https://discord.com/api/webhooks/1/abc"),
            ("HTTPS://Discord.COM:443/api/webhooks/1/abc", "https://discord.com/api/webhooks/1/abc"),
            ("https://hooks.slack.com/services/T0/B0/x", "https://hooks.slack.com/services/T0/B0/x"),
            ("https://example.com", "https://example.com/"), ("https://example.com?x=1", "https://example.com/?x=1"),
            ("https://example.com/a#fragment", "https://example.com/a"), ("https://example.com.:8443/p", "https://example.com:8443/p"),
            ("https://8.8.8.8/hook", "https://8.8.8.8/hook"), ("https://[2606:4700:4700::1111]/x", "https://[2606:4700:4700::1111]/x"),
            ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
            ("https://example.com/a%20b?x=1&y=%7C;@:+$,!*'()~", "https://example.com/a%20b?x=1&y=%7C;@:+$,!*'()~"),
        ]
        for (text, canonical) in accepted {
            switch production.check(url: text) {
            case .success(let url): #expect(url.description == canonical, "\(text)")
            case .failure(let refusal): Issue.record("\(text) refused: \(refusal)")
            }
        }
        let refused: [(String, String, OutboundURLPolicy.Refusal.Kind)] = [
            ("http://example.com/", "only https", .url), ("ftp://example.com/", "only https", .url), ("example.com", "scheme", .url),
            ("https:example.com", "https://", .url), ("https://", "no host", .url), ("", "empty", .url),
            ("https://user:pass@example.com/", "credentials", .url), ("https://example.com@127.0.0.1/", "credentials", .url),
            ("https://127.0.0.1/", "loopback", .address), ("https://10.0.0.1/", "private", .address),
            ("https://169.254.169.254/latest/meta-data/", "cloud metadata", .address), ("https://0.0.0.0/", "this network", .address),
            ("https://127.1/", "plain IPv4", .url), ("https://2130706433/", "plain IPv4", .url), ("https://0x7f.0.0.1/", "plain IPv4", .url),
            ("https://0177.0.0.1/", "plain IPv4", .url), ("https://1.2.3.4.5/", "plain IPv4", .url),
            ("https://[::1]/", "loopback", .address), ("https://[::ffff:127.0.0.1]/", "loopback", .address),
            ("https://[::ffff:169.254.169.254]/", "cloud metadata", .address), ("https://[fe80::1%25eth0]/", "zone", .url),
            ("https://[fd00:ec2::254]/", "cloud metadata", .address), ("https://::1/", "brackets", .url),
            ("https://localhost/", "loopback name", .address), ("https://api.localhost/", "loopback name", .address),
            ("https://exa mple.com/", "spaces", .url), ("https://ex\\ample.com/", "backslash", .url), ("https://exämple.com/", "ASCII", .url),
            ("https://example.com:0/", "port", .url), ("https://example.com:65536/", "port", .url), ("https://example.com:/", "port", .url),
            ("https://example.com:+443/", "port", .url), ("https://exa%6dple.com/", "percent", .url), ("https://-example.com/", "host name", .url),
            ("https://example..com/", "host name", .url), ("https://exam_ple.com/", "host name", .url),
            ("https://example.com/\u{0}", "control", .url), ("https://example.com/a\nb", "control", .url),
            ("https://example.com/a|b", "percent-encoded", .url), ("https://example.com/?q={x}", "percent-encoded", .url),
            ("https://example.com/a%zz", "percent-encoding", .url), ("https://example.com/a%2", "percent-encoding", .url),
            ("https://example.com/[x]", "percent-encoded", .url),
        ]
        for (text, fragment, kind) in refused {
            switch production.check(url: text) {
            case .success(let url): Issue.record("\(text) accepted as \(url)")
            case .failure(let refusal):
                #expect(refusal.reason.contains(fragment), "\(text): \(refusal.reason)")
                #expect(refusal.kind == kind, "\(text): \(refusal.kind)")
            }
        }
        // Allow-private: http, loopback and private networks, but never metadata or link-local.
        let local = OutboundURLPolicy(allowPrivate: true)
        for text in ["http://127.0.0.1:8080/hook", "http://localhost:9/x", "https://10.0.0.1/", "http://[::1]:80/"] {
            if case .failure(let refusal) = local.check(url: text) { Issue.record("\(text) refused with allow-private: \(refusal)") }
        }
        for text in ["http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0:8080/", "http://224.0.0.1/", "https://user@localhost/"] {
            if case .success = local.check(url: text) { Issue.record("\(text) accepted with allow-private") }
        }
        // Port restrictions.
        let ports = OutboundURLPolicy(allowedPorts: [443])
        #expect((try? ports.check(url: "https://example.com/").get()) != nil)
        guard case .failure(let refusal) = ports.check(url: "https://example.com:8443/") else { Issue.record("port 8443 allowed"); return }
        #expect(refusal.reason == "port 8443 is not allowed (allowed: 443)")
    }

    @Test func readsThePolicyFromTheEnvironment() throws {
        #expect(try OutboundURLPolicy.fromEnvironment(Environment([:])) == .production)
        let local = try OutboundURLPolicy.fromEnvironment(Environment(["OUTBOUND_ALLOW_PRIVATE": "true", "OUTBOUND_ALLOWED_PORTS": "443, 8443"]))
        #expect(local == OutboundURLPolicy(allowPrivate: true, allowedPorts: [443, 8443]))
        #expect(throws: ConfigurationError.self) { try OutboundURLPolicy.fromEnvironment(Environment(["OUTBOUND_ALLOW_PRIVATE": "maybe"])) }
        #expect(throws: ConfigurationError.self) { try OutboundURLPolicy.fromEnvironment(Environment(["OUTBOUND_ALLOWED_PORTS": "443,x"])) }
        #expect(throws: ConfigurationError.self) { try OutboundURLPolicy.fromEnvironment(Environment(["OUTBOUND_ALLOWED_PORTS": "70000"])) }
    }

    // MARK: - Resolution at connect time

    @Test func systemResolverFindsLocalhostAndTheGuardRefusesIt() async throws {
        let executor = BlockingExecutor(threads: 1)
        let addresses = try await SystemHostResolver(executor: executor).resolve(host: "localhost")
        await executor.shutdown()
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { AddressClassification.of($0).name == "loopback" }, "\(addresses)")

        // Production: refused (by name before any lookup, and by address for a name that resolves there).
        let production = GuardedHTTPClient(policy: .production)
        await #expect(throws: OutboundHTTPError.blockedAddress(reason: "localhost is a loopback name; the destination must be a public host")) {
            try await production.post(url: "https://localhost/hook", body: [])
        }
        await production.shutdown()
        let table = GuardedHTTPClient(policy: .production, resolver: FixedResolver(["loopback.ccr.test": ["127.0.0.1"]]))
        await #expect(throws: OutboundHTTPError.blockedAddress(
            reason: "loopback.ccr.test resolves to a refused address: 127.0.0.1 is loopback (127.0.0.0/8); the destination must be a public address")) {
            try await table.post(url: "https://loopback.ccr.test/hook", body: [])
        }
        await table.shutdown()

        // Allowed: the same name resolves to loopback only.
        let local = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true))
        let destination = try await local.resolve(url: "http://localhost:9/hook")
        #expect(destination.addresses.allSatisfy { AddressClassification.of($0).scope == .local })
        await local.shutdown()
    }

    @Test func refusesANameIfAnyAddressIsNotAllowed() async throws {
        // One public and one private answer is the classic rebinding set-up: refused as a whole.
        let resolver = FixedResolver([
            "rebind.ccr.test": ["93.184.216.34", "127.0.0.1"], "metadata.ccr.test": ["169.254.169.254"],
            "mapped.ccr.test": ["::ffff:10.0.0.5"], "public.ccr.test": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
        ])
        let production = GuardedHTTPClient(policy: .production, resolver: resolver)
        await #expect(throws: OutboundHTTPError.blockedAddress(
            reason: "rebind.ccr.test resolves to a refused address: 127.0.0.1 is loopback (127.0.0.0/8); the destination must be a public address")) {
            try await production.post(url: "https://rebind.ccr.test/", body: [])
        }
        await #expect(throws: OutboundHTTPError.blockedAddress(
            reason: "mapped.ccr.test resolves to a refused address: ::ffff:10.0.0.5 is IPv4-mapped 10.0.0.5: private network (RFC 1918) (10.0.0.0/8); the destination must be a public address")) {
            try await production.post(url: "https://mapped.ccr.test/", body: [])
        }
        let destination = try await production.resolve(url: "https://public.ccr.test/x")
        #expect(destination.addresses.map(\.description) == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
        await production.shutdown()
        // Allow-private still never reaches cloud metadata.
        let local = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true), resolver: resolver)
        await #expect(throws: OutboundHTTPError.blockedAddress(
            reason: "metadata.ccr.test resolves to a refused address: 169.254.169.254 is cloud metadata endpoint (169.254.169.254/32), which is never a destination")) {
            try await local.post(url: "http://metadata.ccr.test/", body: [])
        }
        await #expect(throws: OutboundHTTPError.dnsFailure(host: "unknown.ccr.test", reason: "no such name")) {
            try await local.post(url: "http://unknown.ccr.test/", body: [])
        }
        await #expect(throws: OutboundHTTPError.invalidURL(reason: "only https URLs are allowed (got ftp:)")) {
            try await local.post(url: "ftp://public.ccr.test/", body: [])
        }
        await local.shutdown()
    }

    // MARK: - Requests against a local server

    @Test func postsToALocalServerWithAllowPrivate() async throws {
        try await withServer { port, server in
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true))
            let body = Array(#"{"hello":"world"}"#.utf8)
            let response = try await client.post(url: "http://localhost:\(port)/echo", headers: [("X-Test", "yes")], body: body)
            #expect(response.status == 200)
            #expect(response.text == #"{"hello":"world"}"#)
            #expect(response.header("X-Seen-Host") == "localhost:\(port)")
            #expect(response.header("x-seen-test") == "yes")
            #expect(response.header("x-seen-content-type") == "application/json")
            #expect(response.remoteAddress.map { AddressClassification.of($0).name } == "loopback")
            #expect(response.latencyMilliseconds > 0 && response.latencyMilliseconds < 10_000)
            #expect(!response.bodyTruncated)
            // A second request reuses the pinned client.
            _ = try await client.post(url: "http://localhost:\(port)/echo", body: body)
            #expect(server.hits("/echo") == 2)
            await client.shutdown()
            // The production policy refuses the same request before anything is sent.
            let production = GuardedHTTPClient(policy: .production)
            await #expect(throws: OutboundHTTPError.self) { try await production.post(url: "http://127.0.0.1:\(port)/echo", body: body) }
            await production.shutdown()
            #expect(server.hits("/echo") == 2)
        }
    }

    @Test func connectsToThePinnedAddressAndKeepsTheName() async throws {
        // The name exists only in the test's resolver: the request can only arrive if the client
        // connected to the address the guard checked, and the Host header still names the host.
        try await withServer { port, _ in
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true),
                                           resolver: FixedResolver(["pinned.ccr.test": ["127.0.0.1"]]))
            let response = try await client.post(url: "http://pinned.ccr.test:\(port)/echo", body: Array("x".utf8))
            #expect(response.status == 200)
            #expect(response.header("x-seen-host") == "pinned.ccr.test:\(port)")
            #expect(response.remoteAddress == IPAddress("127.0.0.1"))
            await client.shutdown()
            // Nothing listens on 127.0.0.2: refused before anything was sent, so the next checked
            // address of the name is tried.
            let fallback = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true),
                                             resolver: FixedResolver(["two.ccr.test": ["127.0.0.2", "127.0.0.1"]]))
            let second = try await fallback.post(url: "http://two.ccr.test:\(port)/echo", body: Array("y".utf8))
            #expect(second.status == 200 && second.text == "y")
            #expect(second.remoteAddress == IPAddress("127.0.0.1"))
            await fallback.shutdown()
        }
    }

    @Test func returnsRedirectsWithoutFollowingThem() async throws {
        try await withServer { port, server in
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true))
            let response = try await client.post(url: "http://127.0.0.1:\(port)/redirect", body: Array("{}".utf8))
            #expect(response.status == 302)
            #expect(response.header("location") == "http://127.0.0.1:\(port)/echo")
            #expect(server.hits("/redirect") == 1)
            #expect(server.hits("/echo") == 0, "the redirect must not be followed")
            await client.shutdown()
        }
    }

    @Test func timesOut() async throws {
        try await withServer { port, _ in
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true),
                                           configuration: .init(connectTimeoutMilliseconds: 1_000, totalTimeoutMilliseconds: 400))
            let started = monotonicNanoseconds()
            await #expect(throws: OutboundHTTPError.timeout) { try await client.post(url: "http://127.0.0.1:\(port)/slow", body: []) }
            let elapsed = Double(monotonicNanoseconds() - started) / 1e9
            #expect(elapsed >= 0.35 && elapsed < 2.5, "timed out after \(elapsed) s")
            await client.shutdown()
        }
        // A resolver that hangs (getaddrinfo cannot be cancelled) is cut off by the same deadline.
        let hanging = GuardedHTTPClient(policy: .production, configuration: .init(totalTimeoutMilliseconds: 300), resolver: HangingResolver())
        let started = monotonicNanoseconds()
        await #expect(throws: OutboundHTTPError.timeout) { try await hanging.post(url: "https://slow-dns.ccr.test/", body: []) }
        #expect(Double(monotonicNanoseconds() - started) / 1e9 < 2)
        await hanging.shutdown()
    }

    @Test func reportsRefusedConnections() async throws {
        // Bind a port, close it: nothing listens there now.
        let port: Int = try await withServer { port, _ in port }
        let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true))
        await #expect(throws: OutboundHTTPError.connectionRefused) { try await client.post(url: "http://127.0.0.1:\(port)/echo", body: []) }
        await client.shutdown()
    }

    @Test func capsTheResponseBody() async throws {
        try await withServer { port, _ in
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true), configuration: .init(maximumResponseBytes: 1024))
            let response = try await client.post(url: "http://127.0.0.1:\(port)/large", body: [])
            #expect(response.status == 200)
            #expect(response.body.count == 1024)
            #expect(response.bodyTruncated)
            #expect(response.body.allSatisfy { $0 == UInt8(ascii: "a") })
            await client.shutdown()
        }
    }

    @Test func boundsPinnedClients() async throws {
        try await withServer { port, _ in
            let names = (0..<5).map { "host\($0).ccr.test" }
            let client = GuardedHTTPClient(policy: OutboundURLPolicy(allowPrivate: true), configuration: .init(maximumPinnedClients: 2),
                                           resolver: FixedResolver(Dictionary(uniqueKeysWithValues: names.map { ($0, ["127.0.0.1"]) })))
            for name in names {
                let response = try await client.post(url: "http://\(name):\(port)/echo", body: [])
                #expect(response.header("x-seen-host") == "\(name):\(port)")
                #expect(client.pinnedClientCount <= 2, "idle pinned clients beyond the bound are closed")
            }
            #expect(client.pinnedClientCount == 2)
            await client.shutdown()
            #expect(client.pinnedClientCount == 0)
        }
    }
}

// MARK: - Fixtures

/// A resolver answering from a table (names missing from it do not exist).
struct FixedResolver: HostResolver {
    let table: [String: [String]]
    init(_ table: [String: [String]]) { self.table = table }

    func resolve(host: String) async throws(OutboundHTTPError) -> [IPAddress] {
        guard let texts = table[host] else { throw .dnsFailure(host: host, reason: "no such name") }
        return texts.map { IPAddress($0)! }
    }
}

/// A resolver that never answers and ignores cancellation, like a stuck getaddrinfo.
struct HangingResolver: HostResolver {
    func resolve(host: String) async throws(OutboundHTTPError) -> [IPAddress] {
        let until = monotonicNanoseconds() + 5_000_000_000
        while monotonicNanoseconds() < until { try? await Task.sleep(nanoseconds: 50_000_000) }
        throw .dnsFailure(host: host, reason: "gave up")
    }
}

/// Counts requests per path.
final class ServerLog: Sendable {
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    func hit(_ path: String) { counts.withLockedValue { $0[path, default: 0] += 1 } }
    func hits(_ path: String) -> Int { counts.withLockedValue { $0[path] ?? 0 } }
}

/// Runs a Hummingbird server on a kernel-chosen 127.0.0.1 port for `body`, then stops it:
/// `/echo` answers the body and the request's Host, `X-Test` and Content-Type as `X-Seen-*`;
/// `/redirect` answers 302 to `/echo`; `/slow` answers after 3 s; `/large` 100 KiB.
func withServer<T>(_ body: (Int, ServerLog) async throws -> T) async throws -> T {
    let log = ServerLog()
    let router = Router()
    router.post("/echo") { request, _ -> Response in
        log.hit("/echo")
        let received = try await request.body.collect(upTo: 1 << 20)
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Seen-Host")!] = request.head.authority ?? ""
        headers[HTTPField.Name("X-Seen-Test")!] = request.headers[HTTPField.Name("X-Test")!] ?? ""
        headers[HTTPField.Name("X-Seen-Content-Type")!] = request.headers[.contentType] ?? ""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: received))
    }
    router.post("/redirect") { request, _ -> Response in
        log.hit("/redirect")
        let host = request.head.authority ?? ""
        return Response(status: .found, headers: [.location: "http://\(host)/echo"])
    }
    router.post("/slow") { _, _ -> Response in
        log.hit("/slow")
        try await Task.sleep(nanoseconds: 3_000_000_000)
        return Response(status: .ok)
    }
    router.post("/large") { _, _ -> Response in
        log.hit("/large")
        return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "a"), count: 100 * 1024)))
    }
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: "outbound-http-test")
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
                          onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
    let server = Task { try await app.runService(gracefulShutdownSignals: []) }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else {
        server.cancel()
        throw OutboundHTTPError.transport(reason: "the test server did not start")
    }
    do {
        let result = try await body(port, log)
        server.cancel()
        _ = await server.result
        return result
    } catch {
        server.cancel()
        _ = await server.result
        throw error
    }
}
