/// What an address is, for deciding whether a user-given URL may reach it.
///
/// A block-list of the special-purpose ranges (RFC 6890 and the IANA registries, plus cloud
/// metadata endpoints), because outgoing webhooks go to "any external host" and an allow-list is
/// impossible (OWASP SSRF cheat sheet). For IPv6 only 2000::/3 is global unicast at all;
/// IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) addresses are judged by the IPv4
/// address they carry, since connecting to them reaches that IPv4 address.
public struct AddressClassification: Sendable, Hashable, CustomStringConvertible {
    public enum Scope: Sendable, Hashable {
        /// Reachable on the internet: always allowed.
        case global
        /// Loopback and private networks (RFC 1918, CGNAT, unique local): allowed only with
        /// `OUTBOUND_ALLOW_PRIVATE=true` (tests and local stand-ins).
        case local
        /// Never a destination, whatever the setting: link-local and cloud metadata,
        /// unspecified, multicast, broadcast, documentation, benchmarking, reserved, transition
        /// mechanisms that hide their real target.
        case forbidden
    }

    public let scope: Scope
    /// What the range is, e.g. "loopback" or "cloud metadata endpoint".
    public let name: String
    /// The range in CIDR notation, e.g. "127.0.0.0/8" (nil for public addresses).
    public let range: String?

    public var description: String { range.map { "\(name) (\($0))" } ?? name }

    public init(scope: Scope, name: String, range: String?) {
        self.scope = scope
        self.name = name
        self.range = range
    }

    /// Classifies one address.
    public static func of(_ address: IPAddress) -> AddressClassification {
        switch address {
        case .v4:
            return classifyV4(address.bytes)
        case .v6(let bytes):
            for block in v6Blocks where block.contains(bytes) {
                switch block.kind {
                case .fixed(let scope):
                    return AddressClassification(scope: scope, name: block.name, range: block.cidr)
                case .embedsIPv4:
                    // Judged by the IPv4 address inside; the name says both.
                    let inner = classifyV4(Array(bytes[12...]))
                    let embedded = "\(block.name) \(address.embeddedIPv4!)"
                    return AddressClassification(
                        scope: inner.scope, name: inner.scope == .global ? embedded : "\(embedded): \(inner.name)",
                        range: inner.scope == .global ? nil : inner.range)
                }
            }
            // Everything outside 2000::/3 is unassigned or special (RFC 4291 §2.4).
            guard bytes[0] & 0xE0 == 0x20 else {
                return AddressClassification(scope: .forbidden, name: "not global unicast", range: "outside 2000::/3")
            }
            return AddressClassification(scope: .global, name: "public", range: nil)
        }
    }

    private static func classifyV4(_ bytes: [UInt8]) -> AddressClassification {
        for block in v4Blocks where block.contains(bytes) {
            if case .fixed(let scope) = block.kind { return AddressClassification(scope: scope, name: block.name, range: block.cidr) }
        }
        return AddressClassification(scope: .global, name: "public", range: nil)
    }

    // MARK: - The ranges (the first match wins, so narrower blocks come first)

    struct Block: Sendable {
        enum Kind: Sendable { case fixed(Scope), embedsIPv4 }
        let cidr: String
        let prefix: [UInt8]
        let length: Int
        let name: String
        let kind: Kind

        init(_ cidr: String, _ name: String, _ kind: Kind) {
            let parts = cidr.split(separator: "/")
            self.cidr = cidr
            self.prefix = IPAddress(parts[0])!.bytes
            self.length = Int(parts[1])!
            self.name = name
            self.kind = kind
        }

        func contains(_ bytes: [UInt8]) -> Bool {
            guard bytes.count == prefix.count else { return false }
            var remaining = length
            var index = 0
            while remaining > 0 {
                let bits = min(8, remaining)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if bytes[index] & mask != prefix[index] & mask { return false }
                remaining -= bits
                index += 1
            }
            return true
        }
    }

    static let v4Blocks: [Block] = [
        Block("0.0.0.0/8", "\"this network\" (connects to the local host on Linux)", .fixed(.forbidden)),
        Block("10.0.0.0/8", "private network (RFC 1918)", .fixed(.local)),
        // Alibaba Cloud's metadata service sits inside the CGNAT range; never a destination.
        Block("100.100.100.200/32", "cloud metadata endpoint", .fixed(.forbidden)),
        Block("100.64.0.0/10", "shared address space (CGNAT, RFC 6598)", .fixed(.local)),
        Block("127.0.0.0/8", "loopback", .fixed(.local)),
        Block("169.254.169.254/32", "cloud metadata endpoint", .fixed(.forbidden)),
        Block("169.254.0.0/16", "link-local", .fixed(.forbidden)),
        Block("172.16.0.0/12", "private network (RFC 1918)", .fixed(.local)),
        Block("192.0.0.0/24", "IETF protocol assignments", .fixed(.forbidden)),
        Block("192.0.2.0/24", "documentation (TEST-NET-1)", .fixed(.forbidden)),
        Block("192.88.99.0/24", "6to4 relay anycast", .fixed(.forbidden)),
        Block("192.168.0.0/16", "private network (RFC 1918)", .fixed(.local)),
        Block("198.18.0.0/15", "benchmarking (RFC 2544)", .fixed(.forbidden)),
        Block("198.51.100.0/24", "documentation (TEST-NET-2)", .fixed(.forbidden)),
        Block("203.0.113.0/24", "documentation (TEST-NET-3)", .fixed(.forbidden)),
        Block("224.0.0.0/4", "multicast", .fixed(.forbidden)),
        Block("255.255.255.255/32", "broadcast", .fixed(.forbidden)),
        Block("240.0.0.0/4", "reserved (class E)", .fixed(.forbidden)),
        // Azure's platform endpoint (wire server, DNS, health probes) looks public but is not.
        Block("168.63.129.16/32", "cloud platform endpoint", .fixed(.forbidden)),
    ]

    static let v6Blocks: [Block] = [
        Block("::/128", "unspecified", .fixed(.forbidden)),
        Block("::1/128", "loopback", .fixed(.local)),
        Block("::ffff:0:0/96", "IPv4-mapped", .embedsIPv4),
        Block("64:ff9b::/96", "NAT64", .embedsIPv4),
        Block("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)", .fixed(.forbidden)),
        // Includes the deprecated IPv4-compatible ::a.b.c.d and SIIT ::ffff:0:a.b.c.d forms.
        Block("::/8", "reserved", .fixed(.forbidden)),
        Block("100::/64", "discard-only", .fixed(.forbidden)),
        Block("2001:db8::/32", "documentation", .fixed(.forbidden)),
        Block("2001::/32", "Teredo tunnelling", .fixed(.forbidden)),
        Block("2001::/23", "IETF protocol assignments", .fixed(.forbidden)),
        Block("2002::/16", "6to4 (embeds an IPv4 address)", .fixed(.forbidden)),
        Block("3fff::/20", "documentation", .fixed(.forbidden)),
        Block("fd00:ec2::254/128", "cloud metadata endpoint", .fixed(.forbidden)),
        Block("fc00::/7", "unique local (private network)", .fixed(.local)),
        Block("fe80::/10", "link-local", .fixed(.forbidden)),
        Block("fec0::/10", "site-local (deprecated)", .fixed(.forbidden)),
        Block("ff00::/8", "multicast", .fixed(.forbidden)),
    ]
}
