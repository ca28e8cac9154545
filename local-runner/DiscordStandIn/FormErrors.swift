import JSONValue

/// Discord's `errors` tree of an `Invalid Form Body` answer: the path of the bad field as nested
/// keys (array indexes as strings), `_errors` at the end:
/// `{"embeds":{"0":{"title":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 256 or fewer in length."}]}}}}`.
struct FormErrors {
    private var root: [String: JSONValue] = [:]

    var isEmpty: Bool { root.isEmpty }
    var json: JSONValue { .object(root) }

    mutating func add(_ path: [String], code: String, message: String) {
        Self.insert(into: &root, path: path[...], error: ["code": .string(code), "message": .string(message)])
    }

    mutating func maximumLength(_ path: [String], _ limit: Int) {
        add(path, code: "BASE_TYPE_MAX_LENGTH", message: "Must be \(limit) or fewer in length.")
    }

    mutating func required(_ path: [String]) {
        add(path, code: "BASE_TYPE_REQUIRED", message: "This field is required")
    }

    private static func insert(into object: inout [String: JSONValue], path: ArraySlice<String>, error: JSONValue) {
        guard let first = path.first else {
            object["_errors"] = .array((object["_errors"]?.arrayValue ?? []) + [error])
            return
        }
        var child = object[first]?.objectValue ?? [:]
        insert(into: &child, path: path.dropFirst(), error: error)
        object[first] = .object(child)
    }
}
