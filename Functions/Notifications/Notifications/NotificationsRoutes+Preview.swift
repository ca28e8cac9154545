import API
import AccessTokens
import FunctionRuntime
import FunctionServer
import JSONValue
import NotificationMessages
import NotificationStore
import Postgres

extension NotificationsRoutes {
    /// `POST /api/notifications/preview` `{"kind", "eventType"?, "template"?}`: what a destination
    /// of that kind would be sent, for the form before it is saved.
    @Sendable func preview(_ request: APIRequest) async throws -> FunctionResponse {
        let body = try request.jsonObject()
        var validator = FieldValidator(body)
        let kind = validator.string("kind", required: true, maxLength: 20).flatMap { text -> NotificationKind? in
            if let kind = NotificationKind(rawValue: text) { return kind }
            validator.reject("kind", "must be one of: discord, slack, webhook")
            return nil
        }
        let eventType = Self.eventType(body, &validator)
        let draft = kind.flatMap { Self.draft(body, kind: $0, &validator) }
        try validator.finish(allowed: ["kind", "eventType", "template"])
        guard let kind else { throw FunctionError.validation(["kind": "is required"]) }
        let type = eventType ?? NotificationDestination.defaultEventTypes[0]
        let values = try await database.transaction(request.claims) { try NotificationEventContext.latestOrSample(eventType: type, on: $0) }
        return .json(Self.preview(kind: kind, template: draft?.template ?? .standard(for: type), problems: draft?.problems ?? [:], eventType: type,
                                  values: values))
    }

    /// `POST /:id/preview` `{"eventType"?, "template"?}`: what this destination would be sent for
    /// the newest stored event of the type among the creators it announces (its first event type
    /// and its own template unless overridden).
    @Sendable func previewDestination(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let body = request.raw.body.isEmpty ? [:] : try request.jsonObject()
        let result = try await database.transaction(request.claims) { connection -> JSONValue in
            guard let destination = try NotificationDestination.load(id: id, on: connection) else { throw FunctionError.notFound("destination") }
            var validator = FieldValidator(body)
            let eventType = Self.eventType(body, &validator)
            let draft = Self.draft(body, kind: destination.kind, &validator)
            try validator.finish(allowed: ["eventType", "template"])
            let type = eventType ?? destination.eventTypes.first ?? NotificationDestination.defaultEventTypes[0]
            let creatorIDs: [String]?
            switch destination.creatorScope {
            case .all: creatorIDs = nil
            case .creators(let ids): creatorIDs = ids
            case .topics(let topics):
                creatorIDs = try connection.query("SELECT id FROM creators WHERE topics && $1::text[]", [PostgresArray.literal(topics)]).rows
                    .compactMap { $0["id"] }
            }
            let values = try NotificationEventContext.latestOrSample(eventType: type, creatorIDs: creatorIDs, on: connection)
            return Self.preview(kind: destination.kind, template: draft?.template ?? destination.template(for: type), problems: draft?.problems ?? [:],
                                eventType: type, values: values)
        }
        return .json(result)
    }

    /// The answer of both previews: the body exactly as a delivery sends it, where its values
    /// came from (a stored event, or a labelled sample when the company has none of the type),
    /// and what saving the draft template would refuse.
    static func preview(kind: NotificationKind, template: NotificationMessageTemplate, problems: [String: String], eventType: String,
                        values: (context: NotificationContext, isSample: Bool)) -> JSONValue {
        let context = values.context
        let source: JSONValue = values.isSample
            ? ["type": "sample", "note": .string("no stored \(eventType) event yet: the values are a sample")]
            : ["type": "event", "eventId": .string(context.eventID), "occurredAt": .string(context.occurredAt),
               "creatorId": context.creatorID.map(JSONValue.string) ?? .null]
        return ["kind": .string(kind.rawValue), "eventType": .string(eventType), "source": source, "body": kind.body(template, context: context),
                "problems": .object(problems.mapValues(JSONValue.string))]
    }

    static func eventType(_ body: [String: JSONValue], _ validator: inout FieldValidator) -> String? {
        validator.string("eventType", required: false, maxLength: 64) { text in
            NotificationDestination.supportedEventTypes.contains(text)
                ? nil : "must be one of: \(NotificationDestination.supportedEventTypes.joined(separator: ", "))"
        }
    }

    /// An unsaved template from a request. A malformed one (a wrong type, no title or content, a
    /// colour out of range) is a 422; what else saving would refuse for `kind` (an unknown
    /// placeholder, a text that could outgrow the limits) is previewed anyway and listed as
    /// `problems` named `template.<field>`, so the form can show both while it is being written.
    static func draft(_ body: [String: JSONValue], kind: NotificationKind,
                      _ validator: inout FieldValidator) -> (template: NotificationMessageTemplate, problems: [String: String])? {
        guard let value = body["template"], value != .null else { return nil }
        do {
            let template = try NotificationMessageTemplate(json: value)
            var problems: [String: String] = [:]
            for (field, problem) in template.validate(for: kind) {
                if field == "color" || (template.title.isEmpty && template.content.isEmpty) {
                    validator.reject("template.\(field)", problem)
                } else {
                    problems["template.\(field)"] = problem
                }
            }
            return (template, problems)
        } catch {
            validator.reject(error.field.map { "template.\($0)" } ?? "template", error.message)
            return nil
        }
    }
}
