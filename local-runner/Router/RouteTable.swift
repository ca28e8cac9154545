import JSONValue

/// One entry of the route table: requests whose path starts with `prefix` (on a segment
/// boundary) go to `function`, an executable built by this package.
public struct Route: Sendable, Equatable {
    public let prefix: String
    /// Only this exact path (the dashboard's page at `/`), not everything below it.
    public let exact: Bool
    public let function: String
    public let description: String
    public let isPublic: Bool
    /// Knative/Cloud Run settings for the generated manifest.
    public let maxScale: Int
    public let concurrency: Int
    /// Environment variables the function reads (passed through by the router; secret refs in manifests).
    public let environment: [String]

    public init(prefix: String, exact: Bool = false, function: String, description: String = "", isPublic: Bool = false,
                maxScale: Int = 10, concurrency: Int = 100, environment: [String] = []) {
        self.prefix = prefix
        self.exact = exact
        self.function = function
        self.description = description
        self.isPublic = isPublic
        self.maxScale = maxScale
        self.concurrency = concurrency
        self.environment = environment
    }

    func matches(_ path: String) -> Bool {
        path == prefix || (!exact && path.hasPrefix(prefix.hasSuffix("/") ? prefix : prefix + "/"))
    }
}

/// The route table (`infra/routes.json`): the single source for the local router and for the
/// production manifests generated into `infra/`.
public struct RouteTable: Sendable, Equatable {
    public let routes: [Route]

    public init(routes: [Route]) {
        self.routes = routes
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(json text: String) throws {
        let document: JSONValue
        do { document = try JSONParser.parse(text) } catch { throw Invalid(description: "routes file: \(error.description)") }
        guard let entries = document["routes"]?.arrayValue else { throw Invalid(description: "routes file: missing \"routes\" array") }
        var routes: [Route] = []
        for (index, entry) in entries.enumerated() {
            guard let prefix = entry["prefix"]?.stringValue, prefix.hasPrefix("/") else {
                throw Invalid(description: "routes[\(index)]: prefix must start with /")
            }
            guard let function = entry["function"]?.stringValue, !function.isEmpty,
                  function.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            else { throw Invalid(description: "routes[\(index)]: function must be an executable name") }
            routes.append(Route(
                prefix: prefix, exact: entry["exact"]?.boolValue ?? false, function: function, description: entry["description"]?.stringValue ?? "",
                isPublic: entry["public"]?.boolValue ?? false,
                maxScale: Int(entry["maxScale"]?.int64Value ?? 10), concurrency: Int(entry["concurrency"]?.int64Value ?? 100),
                environment: entry["env"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
        self.init(routes: routes)
    }

    /// The longest matching prefix wins.
    public func route(for path: String) -> Route? {
        routes.filter { $0.matches(path) }.max { $0.prefix.count < $1.prefix.count }
    }

    /// Distinct function names, in table order.
    public var functions: [String] {
        routes.map(\.function).reduce(into: []) { names, name in if !names.contains(name) { names.append(name) } }
    }
}
