import URLEncoding

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
        QueryItems(query).first(name)
    }

    /// The decoded names of every query parameter, in order, repeats included.
    public var queryParameterNames: [String] {
        QueryItems(query).items.map(\.name)
    }

    /// Every decoded value of a repeated query parameter.
    public func queryParameters(_ name: String) -> [String] {
        QueryItems(query).values(name)
    }
}
