import URLEncoding

/// OAuth request parameters with the two rules of RFC 6749 §3.1 and §3.2: a parameter sent
/// without a value counts as omitted, and no parameter may appear more than once.
struct ProtocolParameters: Sendable {
    let items: QueryItems

    init(_ items: QueryItems) { self.items = items }

    /// The value, nil when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = items.first(name), !value.isEmpty else { return nil }
        return value
    }

    /// The first parameter name that appears more than once with a value, if any.
    var repeatedName: String? {
        var seen: Set<String> = []
        for item in items.items where !item.value.isEmpty {
            if !seen.insert(item.name).inserted { return item.name }
        }
        return nil
    }

    func isRepeated(_ name: String) -> Bool { items.values(name).filter { !$0.isEmpty }.count > 1 }

    /// Every name/value pair with a value, in order (the sign-in page carries them along).
    var nonEmptyItems: [(name: String, value: String)] { items.items.filter { !$0.value.isEmpty } }
}
