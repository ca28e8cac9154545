import JSONValue

/// Discord's checks on an Execute Webhook body, with its error codes and messages: `content` ≤ 2000,
/// `username` 1–80, ≤ 10 `embeds`, the embed field limits and their 6000 total, and
/// `allowed_mentions` (known `parse` values, ≤ 100 ids, `parse` exclusive with id lists).
/// Lengths count Unicode code points of the trimmed text (Discord says "characters"; code points
/// is what its reported behaviour matches, an inference).
enum DiscordMessageValidation {
    static let contentLimit = 2000
    static let embedsLimit = 10
    static let embedTotalLimit = 6000
    static let fieldsLimit = 25
    static let mentionIDsLimit = 100
    static let mentionTypes: Set<String> = ["everyone", "roles", "users"]

    /// The `errors` tree, or nil when the body passes.
    static func errors(in body: JSONValue) -> JSONValue? {
        var errors = FormErrors()
        guard let object = body.objectValue else {
            errors.add([], code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType")
            return errors.json
        }
        if let content = object["content"], !content.isNull {
            if let text = content.stringValue {
                if length(text) > contentLimit { errors.maximumLength(["content"], contentLimit) }
            } else {
                errors.add(["content"], code: "BASE_TYPE_STRING", message: "Must be a string.")
            }
        }
        if let username = object["username"], !username.isNull {
            if let text = username.stringValue, (1...80).contains(length(text)) {} else {
                errors.add(["username"], code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 80 in length.")
            }
        }
        if let embeds = object["embeds"], !embeds.isNull { checkEmbeds(embeds, into: &errors) }
        if let mentions = object["allowed_mentions"], !mentions.isNull { checkAllowedMentions(mentions, into: &errors) }
        // Not a ternary: JSONValue takes `nil` as `.null`.
        if errors.isEmpty { return nil }
        return errors.json
    }

    /// Nothing to show: no content (after trimming), embeds, components, poll or attachments.
    static func isEmpty(_ body: JSONValue) -> Bool {
        let content = body["content"]?.stringValue.map(trimmed) ?? ""
        let hasEmbeds = !(body["embeds"]?.arrayValue ?? []).isEmpty
        let hasComponents = !(body["components"]?.arrayValue ?? []).isEmpty
        let hasAttachments = !(body["attachments"]?.arrayValue ?? []).isEmpty
        let hasPoll = body["poll"]?.objectValue != nil
        return content.isEmpty && !hasEmbeds && !hasComponents && !hasAttachments && !hasPoll
    }

    private static func checkEmbeds(_ embeds: JSONValue, into errors: inout FormErrors) {
        guard let list = embeds.arrayValue else {
            errors.add(["embeds"], code: "BASE_TYPE_ARRAY", message: "Must be an array.")
            return
        }
        if list.count > embedsLimit {
            errors.maximumLength(["embeds"], embedsLimit)
            return
        }
        var total = 0
        for (index, embed) in list.enumerated() {
            let path = ["embeds", String(index)]
            guard embed.objectValue != nil else {
                errors.add(path, code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType")
                continue
            }
            total += checkText(embed["title"], path + ["title"], limit: 256, required: false, into: &errors)
            total += checkText(embed["description"], path + ["description"], limit: 4096, required: false, into: &errors)
            if let footer = embed["footer"], !footer.isNull {
                total += checkText(footer["text"], path + ["footer", "text"], limit: 2048, required: true, into: &errors)
            }
            if let author = embed["author"], !author.isNull {
                total += checkText(author["name"], path + ["author", "name"], limit: 256, required: true, into: &errors)
            }
            if let fields = embed["fields"], !fields.isNull {
                guard let fieldList = fields.arrayValue else {
                    errors.add(path + ["fields"], code: "BASE_TYPE_ARRAY", message: "Must be an array.")
                    continue
                }
                if fieldList.count > fieldsLimit { errors.maximumLength(path + ["fields"], fieldsLimit) }
                for (fieldIndex, field) in fieldList.enumerated() {
                    let fieldPath = path + ["fields", String(fieldIndex)]
                    total += checkText(field["name"], fieldPath + ["name"], limit: 256, required: true, into: &errors)
                    total += checkText(field["value"], fieldPath + ["value"], limit: 1024, required: true, into: &errors)
                }
            }
        }
        if total > embedTotalLimit {
            errors.add(["embeds"], code: "MAX_EMBED_SIZE_EXCEEDED", message: "Embed size exceeds maximum size of \(embedTotalLimit)")
        }
    }

    /// Checks one embed text and returns its length toward the 6000 total.
    private static func checkText(_ value: JSONValue?, _ path: [String], limit: Int, required: Bool, into errors: inout FormErrors) -> Int {
        guard let value, !value.isNull else {
            if required { errors.required(path) }
            return 0
        }
        guard let text = value.stringValue else {
            errors.add(path, code: "BASE_TYPE_STRING", message: "Must be a string.")
            return 0
        }
        let count = length(text)
        if required && count == 0 { errors.required(path) }
        if count > limit { errors.maximumLength(path, limit) }
        return count
    }

    private static func checkAllowedMentions(_ mentions: JSONValue, into errors: inout FormErrors) {
        guard mentions.objectValue != nil else {
            errors.add(["allowed_mentions"], code: "DICT_TYPE_CONVERT", message: "Only dictionaries may be used in a DictType")
            return
        }
        let parse = mentions["parse"]?.arrayValue ?? []
        for (index, value) in parse.enumerated() where !mentionTypes.contains(value.stringValue ?? "") {
            errors.add(["allowed_mentions", "parse", String(index)], code: "BASE_TYPE_CHOICES",
                       message: "Value must be one of {'everyone', 'roles', 'users'}.")
        }
        let parsed = Set(parse.compactMap(\.stringValue))
        for kind in ["users", "roles"] {
            guard let ids = mentions[kind], !ids.isNull else { continue }
            guard let list = ids.arrayValue else {
                errors.add(["allowed_mentions", kind], code: "BASE_TYPE_ARRAY", message: "Must be an array.")
                continue
            }
            if list.count > mentionIDsLimit { errors.maximumLength(["allowed_mentions", kind], mentionIDsLimit) }
            for (index, id) in list.enumerated() where !isSnowflake(id.stringValue ?? "") {
                errors.add(["allowed_mentions", kind, String(index)], code: "NUMBER_TYPE_COERCE", message: "Value \"\(id.stringValue ?? "")\" is not snowflake.")
            }
            if parsed.contains(kind) && !list.isEmpty {
                errors.add(["allowed_mentions"], code: "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                           message: "parse:[\"\(kind)\"] and \(kind): [ids...] are mutually exclusive.")
            }
        }
    }

    static func isSnowflake(_ text: String) -> Bool {
        (1...20).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func length(_ text: String) -> Int { trimmed(text).unicodeScalars.count }

    static func trimmed(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end, scalars[start].properties.isWhitespace { start += 1 }
        while end > start, scalars[end - 1].properties.isWhitespace { end -= 1 }
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }
}
