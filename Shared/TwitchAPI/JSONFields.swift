import JSONValue

/// Field access for decoding Helix objects: required strings fail with the field's name, optional
/// ones read `null` and missing the same way (Twitch sends `null` for unset fields such as `tags`).
struct JSONFields {
    let object: JSONValue
    let context: String

    init(_ value: JSONValue, context: String) throws(HelixError) {
        guard value.objectValue != nil else { throw .invalidResponse("\(context) is not an object") }
        self.object = value
        self.context = context
    }

    func string(_ key: String) throws(HelixError) -> String {
        guard let value = object[key]?.stringValue else { throw .invalidResponse("\(context).\(key) is missing or not a string") }
        return value
    }

    func optionalString(_ key: String) -> String? {
        object[key]?.stringValue
    }

    func int(_ key: String) throws(HelixError) -> Int {
        guard let value = object[key]?.int64Value else { throw .invalidResponse("\(context).\(key) is missing or not a number") }
        return Int(value)
    }

    func optionalInt(_ key: String) -> Int? {
        object[key]?.int64Value.map { Int($0) }
    }

    func strings(_ key: String) -> [String] {
        (object[key]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
