import FunctionRuntime
public import JSONValue

/// Collects field problems so a 422 names every bad field at once.
public struct FieldValidator {
    public private(set) var problems: [String: String] = [:]
    private let body: [String: JSONValue]

    public init(_ body: [String: JSONValue]) {
        self.body = body
    }

    public mutating func string(_ name: String, required: Bool, maxLength: Int = 200,
                                check: ((String) -> String?)? = nil) -> String? {
        guard let value = body[name], value != .null else {
            if required { problems[name] = "is required" }
            return nil
        }
        guard let text = value.stringValue else {
            problems[name] = "must be a string"
            return nil
        }
        // Postgres text holds no NUL (the document's patterns exclude it).
        guard !text.unicodeScalars.contains("\u{0}") else {
            problems[name] = "must not contain NUL characters"
            return nil
        }
        // Counted in code points, as JSON Schema's maxLength counts (the OpenAPI document states it).
        guard text.unicodeScalars.count <= maxLength else {
            problems[name] = "must be at most \(maxLength) characters"
            return nil
        }
        if let check, let problem = check(text) {
            problems[name] = problem
            return nil
        }
        return text
    }

    public mutating func stringArray(_ name: String, maxCount: Int, maxLength: Int) -> [String]? {
        guard let value = body[name] else { return nil }
        guard let items = value.arrayValue, items.count <= maxCount,
              let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count,
              strings.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.count <= maxLength && !$0.unicodeScalars.contains("\u{0}") })
        else {
            problems[name] = "must be a list of at most \(maxCount) strings of 1 to \(maxLength) characters (no NUL)"
            return nil
        }
        return strings
    }

    public mutating func reject(_ name: String, _ problem: String) { problems[name] = problem }

    /// Throws 422 when any field had a problem; also refuses unknown fields.
    public func finish(allowed: Set<String>) throws {
        var problems = self.problems
        for key in body.keys where !allowed.contains(key) { problems[key] = "is not a known field" }
        if !problems.isEmpty { throw FunctionError.validation(problems) }
    }
}
