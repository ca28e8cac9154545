public import JSONValue
public import NotificationMessages

/// The stored and API form of a template: `{"content","title","description","color","showsFields"}`
/// (the `templates` column holds one per event type).
extension NotificationMessageTemplate {
    public var json: JSONValue {
        .object([
            "content": .string(content.text), "title": .string(title.text), "description": .string(description.text),
            "color": color.map { .int(Int64($0)) } ?? .null, "showsFields": .bool(showsFields),
        ])
    }

    /// Reads a template object; every member is optional except that the result needs a title
    /// or a content text (`validate` says so). A member of the wrong type is an error naming it.
    public init(json: JSONValue) throws(NotificationTemplateJSONError) {
        guard let members = json.objectValue else { throw NotificationTemplateJSONError(field: nil, message: "must be an object") }
        for key in members.keys where !["content", "title", "description", "color", "showsFields"].contains(key) {
            throw NotificationTemplateJSONError(field: key, message: "unknown field (known: content, title, description, color, showsFields)")
        }
        func text(_ key: String) throws(NotificationTemplateJSONError) -> NotificationTemplate {
            switch members[key] {
            case nil, .null?: return ""
            case .string(let value)?:
                // jsonb cannot store NUL, and no destination shows it.
                guard !value.unicodeScalars.contains("\u{0}") else { throw NotificationTemplateJSONError(field: key, message: "must not contain NUL characters") }
                return NotificationTemplate(value)
            default: throw NotificationTemplateJSONError(field: key, message: "must be a string")
            }
        }
        var color: Int?
        switch members["color"] {
        case nil, .null?: color = nil
        case let value?:
            guard let number = value.int64Value, let small = Int(exactly: number) else {
                throw NotificationTemplateJSONError(field: "color", message: "must be an integer 0 to 16777215 (0xFFFFFF) or null")
            }
            color = small
        }
        var showsFields = true
        switch members["showsFields"] {
        case nil, .null?: break
        case .bool(let flag)?: showsFields = flag
        default: throw NotificationTemplateJSONError(field: "showsFields", message: "must be true or false")
        }
        self.init(content: try text("content"), title: try text("title"), description: try text("description"), color: color,
                  showsFields: showsFields)
    }
}

/// A template object that is not shaped as documented; `field` is the member at fault.
public struct NotificationTemplateJSONError: Error, Sendable, Hashable {
    public let field: String?
    public let message: String
}
