/// Name/value pairs of a query string or an `application/x-www-form-urlencoded` body, in order and
/// with repeated names kept (Helix lists are repeated parameters: `id=1&id=2`). `+` is a space;
/// a malformed escape is kept literally rather than failing the whole request.
public struct QueryItems: Sendable {
    public let items: [(name: String, value: String)]

    public init(_ text: String?) {
        guard let text, !text.isEmpty else { items = []; return }
        items = text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return (Self.decode(pair[..<equals]), Self.decode(pair[pair.index(after: equals)...]))
            }
            return (Self.decode(pair[...]), "")
        }
    }

    public init(items: [(name: String, value: String)]) { self.items = items }

    public func values(_ name: String) -> [String] { items.filter { $0.name == name }.map(\.value) }

    public func first(_ name: String) -> String? { items.first { $0.name == name }?.value }

    public func contains(_ name: String) -> Bool { items.contains { $0.name == name } }

    public func merging(_ other: QueryItems) -> QueryItems { QueryItems(items: items + other.items) }

    private static func decode(_ text: Substring) -> String {
        PercentEncoding.decode(text, plusAsSpace: true) ?? String(text)
    }
}
