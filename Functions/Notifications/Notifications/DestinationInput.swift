import API
import FunctionRuntime
import JSONValue
import NotificationMessages
import NotificationStore
import Postgres

/// The body of `POST` (every field but `name` and `url` optional) or `PATCH` (every field
/// optional; `kind` cannot change) on a destination, checked field by field so one 422 names
/// every problem. Templates are validated for the destination's kind: an unknown placeholder or
/// a text that could outgrow the kind's limits is refused at save time, not at delivery.
struct DestinationInput {
    var name: String?
    var kind: NotificationKind?
    var url: DestinationURLRules.Accepted?
    /// Discord's optional bot: `.some(nil)` removes it (PATCH `"bot": null`).
    var bot: Bot??
    var enabled: Bool?
    var creators: NotificationCreatorScope?
    var eventTypes: [String]?
    var minBits: Int?
    var minGiftTotal: Int?
    var minRaidViewers: Int?
    var cooldownSeconds: Int?
    var templates: [String: NotificationMessageTemplate]?

    struct Bot {
        let token: String
        let channelID: String
    }

    static let fields: Set<String> = ["name", "kind", "url", "bot", "enabled", "creators", "eventTypes", "minBits", "minGiftTotal", "minRaidViewers",
                                      "cooldownSeconds", "templates"]

    /// `existingKind` nil: a new destination (`name`, `kind` and `url` required). On a PATCH, a
    /// URL or a bot that does not fit the destination's kind is a 409 (the destination's state
    /// refuses it, as a new destination of the right kind would not), after any 422.
    init(_ body: [String: JSONValue], existingKind: NotificationKind?, rules: DestinationURLRules) throws {
        var conflicts: [String] = []
        var validator = FieldValidator(body)
        let creating = existingKind == nil
        // A PATCH that sends null would otherwise read as "unchanged"; these cannot be removed.
        for field in ["name", "url"] where !creating && body[field] == .null { validator.reject(field, "must be a string") }
        name = validator.string("name", required: creating, maxLength: 100) { $0.isEmpty ? "must not be empty" : nil }
        if creating {
            kind = validator.string("kind", required: true, maxLength: 20).flatMap { text in
                if let kind = NotificationKind(rawValue: text) { return kind }
                validator.reject("kind", "must be one of: discord, slack, webhook")
                return nil
            }
        } else if body["kind"] != nil {
            validator.reject("kind", "cannot be changed; create another destination")
        }
        let kind = existingKind ?? kind
        if let text = validator.string("url", required: creating, maxLength: 2048), let kind {
            switch rules.check(text, kind: kind) {
            case .success(let accepted): url = accepted
            case .failure(let refusal) where refusal.otherKind && !creating: conflicts.append("url: \(refusal.reason) (this is a \(kind.rawValue) destination)")
            case .failure(let refusal): validator.reject("url", refusal.reason)
            }
        }
        if let value = body["bot"], value != .null || kind == .discord {
            if kind != .discord {
                if creating { validator.reject("bot", "only a discord destination has a bot") } else { conflicts.append("bot: only a discord destination has a bot") }
            } else if value == .null {
                bot = .some(nil)
            } else if let parsed = Self.bot(value) {
                bot = .some(parsed)
            } else {
                validator.reject("bot", "must be {\"token\": a Discord bot token, \"channelId\": a channel id (digits)} or null")
            }
        }
        if let value = body["enabled"] {
            if let flag = value.boolValue { enabled = flag } else { validator.reject("enabled", "must be true or false") }
        }
        if let value = body["creators"] { creators = Self.creatorScope(value, &validator) }
        if let value = body["eventTypes"] {
            let items = value.arrayValue?.compactMap(\.stringValue)
            if let items, items.count == value.arrayValue?.count, !items.isEmpty, Set(items).count == items.count,
               items.allSatisfy(NotificationDestination.supportedEventTypes.contains) {
                eventTypes = NotificationDestination.supportedEventTypes.filter(items.contains)
            } else {
                validator.reject("eventTypes", "must be a list of distinct event types, at least one, of: "
                                 + NotificationDestination.supportedEventTypes.joined(separator: ", "))
            }
        }
        minBits = Self.integer("minBits", body, in: 0...Int(Int32.max), &validator)
        minGiftTotal = Self.integer("minGiftTotal", body, in: 0...Int(Int32.max), &validator)
        minRaidViewers = Self.integer("minRaidViewers", body, in: 0...Int(Int32.max), &validator)
        cooldownSeconds = Self.integer("cooldownSeconds", body, in: 0...86_400, &validator)
        if let value = body["templates"], let kind { templates = Self.templates(value, kind: kind, &validator) }
        try validator.finish(allowed: Self.fields)
        if !conflicts.isEmpty { throw FunctionError.conflict(conflicts.joined(separator: "; ")) }
    }

    static func integer(_ name: String, _ body: [String: JSONValue], in range: ClosedRange<Int>, _ validator: inout FieldValidator) -> Int? {
        guard let value = body[name] else { return nil }
        guard let number = value.int64Value, let small = Int(exactly: number), range.contains(small) else {
            validator.reject(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return small
    }

    static func bot(_ value: JSONValue) -> Bot? {
        guard let members = value.objectValue, Set(members.keys) == ["token", "channelId"],
              let token = members["token"]?.stringValue, let channel = members["channelId"]?.stringValue,
              (1...200).contains(token.utf8.count), token.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              (1...20).contains(channel.utf8.count), channel.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Bot(token: token, channelID: channel)
    }

    /// `{"scope":"all"}` | `{"scope":"topics","topics":[…]}` | `{"scope":"creators","ids":[…]}`.
    /// Whether the ids are this company's creators is checked against the database.
    static func creatorScope(_ value: JSONValue, _ validator: inout FieldValidator) -> NotificationCreatorScope? {
        let usage = #"must be {"scope":"all"}, {"scope":"topics","topics":[…]} or {"scope":"creators","ids":[creator ids]}"#
        guard let members = value.objectValue, let scope = members["scope"]?.stringValue else {
            validator.reject("creators", usage)
            return nil
        }
        func strings(_ key: String, maxCount: Int, check: (String) -> Bool) -> [String]? {
            guard Set(members.keys) == ["scope", key], let array = members[key]?.arrayValue, (1...maxCount).contains(array.count) else { return nil }
            let items = array.compactMap(\.stringValue)
            guard items.count == array.count, items.allSatisfy(check) else { return nil }
            return items.reduce(into: []) { unique, item in if !unique.contains(item) { unique.append(item) } }
        }
        switch scope {
        case "all" where members.count == 1:
            return .all
        case "topics":
            if let topics = strings("topics", maxCount: 20, check: { !$0.isEmpty && $0.unicodeScalars.count <= 40 && !$0.unicodeScalars.contains("\u{0}") }) {
                return .topics(topics)
            }
            validator.reject("creators", "topics must be 1 to 20 topics of 1 to 40 characters")
        case "creators":
            if let ids = strings("ids", maxCount: 500, check: TenantID.isValid) { return .creators(ids.map { $0.lowercased() }) }
            validator.reject("creators", "ids must be 1 to 500 creator ids")
        default:
            validator.reject("creators", usage)
        }
        return nil
    }

    /// `{"<event type>": template or null}`; problems are named `templates.<type>.<field>`.
    static func templates(_ value: JSONValue, kind: NotificationKind, _ validator: inout FieldValidator) -> [String: NotificationMessageTemplate]? {
        guard let members = value.objectValue else {
            validator.reject("templates", "must be an object of event type → template")
            return nil
        }
        var templates: [String: NotificationMessageTemplate] = [:]
        var valid = true
        for (eventType, json) in members {
            let prefix = "templates.\(eventType)"
            guard NotificationDestination.supportedEventTypes.contains(eventType) else {
                validator.reject(prefix, "is not an event type a destination announces (\(NotificationDestination.supportedEventTypes.joined(separator: ", ")))")
                valid = false
                continue
            }
            if json == .null { continue }  // the standard template
            do {
                let template = try NotificationMessageTemplate(json: json)
                let problems = template.validate(for: kind)
                for (field, problem) in problems { validator.reject("\(prefix).\(field)", problem) }
                if problems.isEmpty { templates[eventType] = template } else { valid = false }
            } catch {
                validator.reject(error.field.map { "\(prefix).\($0)" } ?? prefix, error.message)
                valid = false
            }
        }
        return valid ? templates : nil
    }
}
