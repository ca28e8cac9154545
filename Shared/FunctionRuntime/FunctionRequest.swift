/// An HTTP request as a function sees it: independent of the server library, so handlers are
/// plain types that tests call directly.
public struct FunctionRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    /// The raw query string (after `?`), if any.
    public var query: String?
    /// Header names are stored lower-cased.
    public var headers: [(name: String, value: String)]
    /// The body bytes exactly as received.
    public var body: [UInt8]
    public var remoteAddress: String?

    public init(method: String, path: String, query: String? = nil, headers: [(String, String)] = [], body: [UInt8] = [],
                remoteAddress: String? = nil) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        self.headers = headers.map { (name: $0.0.lowercased(), value: $0.1) }
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }

    /// A decoded query parameter (`+` and percent escapes decoded), first occurrence.
    public func queryParameter(_ name: String) -> String? {
        queryParameters(name).first
    }

    /// Every decoded value of a repeated query parameter.
    public func queryParameters(_ name: String) -> [String] {
        guard let query else { return [] }
        return query.split(separator: "&").compactMap { pair -> String? in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard PercentEncoding.decode(String(parts[0])) == name else { return nil }
            return parts.count > 1 ? PercentEncoding.decode(String(parts[1])) ?? "" : ""
        }
    }
}

/// `application/x-www-form-urlencoded` decoding for query strings.
public enum PercentEncoding {
    public static func decode(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
