import API
import AccessTokens
import Audit
import FunctionRuntime
import FunctionServer
import JSONValue
import NotificationMessages
import NotificationStore
import Postgres
import SecretSealing

extension NotificationsRoutes {
    @Sendable func list(_ request: APIRequest) async throws -> FunctionResponse {
        let data = try await database.transaction(request.claims) { connection -> [JSONValue] in
            let optOuts = try DestinationRepresentation.optOuts(on: connection)
            return try NotificationDestination.list(on: connection).map { DestinationRepresentation.json($0, optOuts: optOuts[$0.id] ?? []) }
        }
        return .json(["data": .array(data)])
    }

    @Sendable func get(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let destination = try await database.transaction(request.claims) { try DestinationRepresentation.load(id: id, on: $0) }
        guard let destination else { throw FunctionError.notFound("destination") }
        return .json(destination)
    }

    /// `POST`: 201 with the destination; a `webhook` destination's answer also carries its
    /// signing secret, the only time it is shown.
    @Sendable func create(_ request: APIRequest) async throws -> FunctionResponse {
        let input = try DestinationInput(try request.jsonObject(), existingKind: nil, rules: urlRules)
        guard let kind = input.kind, let url = input.url, let name = input.name else { throw FunctionError.validation(["url": "is required"]) }
        let claims = request.claims, actor = request.actor, keys = self.keys
        let disabledReason = input.enabled == false ? "disabled by \(Self.actorName(request))" : nil
        let secret = kind == .webhook ? WebhookSecret.generate() : nil
        let created = try await database.transaction(claims) { connection -> JSONValue in
            try Self.checkCreators(input.creators, on: connection)
            let id = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
            let bot = input.bot ?? nil
            let sealedSecret = try secret.map { try keys.seal($0.encoded, context: NotificationDestination.secretContext(id)) }
                ?? bot.map { try keys.seal($0.token, context: NotificationDestination.secretContext(id)) }
            let scope = input.creators ?? .all
            try connection.query("""
                INSERT INTO notification_destinations (id, company_id, name, kind, url_sealed, url_hint, secret_sealed, discord_channel_id,
                    enabled, disabled_reason, disabled_at, creator_scope, topics, creator_ids, event_types, min_bits, min_gift_total,
                    min_raid_viewers, cooldown_seconds, templates)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::boolean, $10, CASE WHEN $9::boolean THEN NULL ELSE now() END, $11, $12::text[],
                        $13::uuid[], $14::text[], $15::integer, $16::integer, $17::integer, $18::integer, $19::jsonb)
                """, [id, claims.companyID, name, kind.rawValue, try keys.seal(url.url, context: NotificationDestination.urlContext(id)), url.hint,
                      sealedSecret, bot?.channelID, disabledReason == nil, disabledReason, scope.name, PostgresArray.literal(scope.topics),
                      PostgresArray.literal(scope.creatorIDs), PostgresArray.literal(input.eventTypes ?? NotificationDestination.defaultEventTypes),
                      input.minBits ?? 0, input.minGiftTotal ?? 0, input.minRaidViewers ?? 0,
                      input.cooldownSeconds ?? NotificationDestination.defaultCooldownSeconds, Self.templatesText(input.templates ?? [:])])
            let destination = try DestinationRepresentation.load(id: id, on: connection)!
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "notification_destination.create",
                                targetType: "notification_destination", targetID: id, before: nil, after: destination)
            return destination
        }
        return .json(Self.adding(secret: secret, to: created), status: 201)
    }

    /// `PATCH`: any field but `kind`. `enabled: true` re-enables (and forgets why it stopped);
    /// `enabled: false` stops deliveries, "disabled by" the caller. `templates` replaces the
    /// whole set (a type left out uses the standard template).
    @Sendable func update(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let body = try request.jsonObject()
        let claims = request.claims, actor = request.actor, keys = self.keys, rules = self.urlRules
        let reason = "disabled by \(Self.actorName(request))"
        let updated = try await database.transaction(claims) { connection -> JSONValue in
            guard let existing = try NotificationDestination.loadForUpdate(id: id, on: connection) else { throw FunctionError.notFound("destination") }
            let input = try DestinationInput(body, existingKind: existing.kind, rules: rules)
            try Self.checkCreators(input.creators, on: connection)
            let before = DestinationRepresentation.json(existing)
            let botChange = input.bot
            let sealedBotToken = try (botChange ?? nil).map { try keys.seal($0.token, context: NotificationDestination.secretContext(id)) }
            try connection.query("""
                UPDATE notification_destinations SET
                    name = COALESCE($2, name),
                    url_sealed = COALESCE($3, url_sealed), url_hint = COALESCE($4, url_hint),
                    secret_sealed = CASE WHEN $5::boolean THEN $6 ELSE secret_sealed END,
                    discord_channel_id = CASE WHEN $5::boolean THEN $7 ELSE discord_channel_id END,
                    disabled_reason = CASE WHEN $8::boolean IS NULL THEN disabled_reason WHEN $8::boolean THEN NULL
                                           WHEN enabled THEN $9 ELSE disabled_reason END,
                    disabled_at = CASE WHEN $8::boolean IS NULL THEN disabled_at WHEN $8::boolean THEN NULL
                                       WHEN enabled THEN now() ELSE disabled_at END,
                    enabled = COALESCE($8::boolean, enabled),
                    creator_scope = COALESCE($10, creator_scope), topics = COALESCE($11::text[], topics),
                    creator_ids = COALESCE($12::uuid[], creator_ids), event_types = COALESCE($13::text[], event_types),
                    min_bits = COALESCE($14::integer, min_bits), min_gift_total = COALESCE($15::integer, min_gift_total),
                    min_raid_viewers = COALESCE($16::integer, min_raid_viewers), cooldown_seconds = COALESCE($17::integer, cooldown_seconds),
                    templates = COALESCE($18::jsonb, templates), updated_at = now()
                WHERE id = $1
                """, [id, input.name, try input.url.map { try keys.seal($0.url, context: NotificationDestination.urlContext(id)) }, input.url?.hint,
                      botChange != nil, sealedBotToken, (botChange ?? nil)?.channelID, input.enabled, reason, input.creators?.name,
                      input.creators.map { PostgresArray.literal($0.topics) }, input.creators.map { PostgresArray.literal($0.creatorIDs) },
                      input.eventTypes.map(PostgresArray.literal), input.minBits, input.minGiftTotal, input.minRaidViewers, input.cooldownSeconds,
                      input.templates.map(Self.templatesText)])
            let after = try DestinationRepresentation.load(id: id, on: connection)!
            var audited = after
            if input.url != nil, case .object(var members) = audited {
                members["urlChanged"] = true  // the hint may read the same; the audit says it changed
                audited = .object(members)
            }
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "notification_destination.update",
                                targetType: "notification_destination", targetID: id, before: before, after: audited)
            return after
        }
        return .json(updated)
    }

    /// `DELETE`: the destination, its opt-outs and its delivery log (a queued delivery then finds
    /// no destination and ends).
    @Sendable func remove(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let claims = request.claims, actor = request.actor
        try await database.transaction(claims) { connection in
            guard let existing = try NotificationDestination.loadForUpdate(id: id, on: connection) else { throw FunctionError.notFound("destination") }
            try connection.query("DELETE FROM notification_destinations WHERE id = $1", [id])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "notification_destination.delete",
                                targetType: "notification_destination", targetID: id, before: DestinationRepresentation.json(existing), after: nil)
        }
        return FunctionResponse(status: 204)
    }

    /// `POST /:id/secret`: a new signing secret for a `webhook` destination, answered once; the old
    /// one stops signing at once (receivers must switch to the new one).
    @Sendable func rotateSecret(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        if !request.raw.body.isEmpty { try FieldValidator(try request.jsonObject()).finish(allowed: []) }
        let claims = request.claims, actor = request.actor, keys = self.keys
        let secret = WebhookSecret.generate()
        let updated = try await database.transaction(claims) { connection -> JSONValue in
            guard let existing = try NotificationDestination.loadForUpdate(id: id, on: connection) else { throw FunctionError.notFound("destination") }
            guard existing.kind == .webhook else { throw FunctionError.conflict("only a webhook destination has a signing secret") }
            try connection.query("UPDATE notification_destinations SET secret_sealed = $2, updated_at = now() WHERE id = $1",
                                 [id, try keys.seal(secret.encoded, context: NotificationDestination.secretContext(id))])
            let after = try DestinationRepresentation.load(id: id, on: connection)!
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "notification_destination.rotate_secret",
                                targetType: "notification_destination", targetID: id, before: nil, after: ["secretRotated": true])
            return after
        }
        return .json(Self.adding(secret: secret, to: updated))
    }

    /// The destination's answer with the signing secret (the one time it is shown).
    static func adding(secret: WebhookSecret?, to destination: JSONValue) -> JSONValue {
        guard let secret, case .object(var members) = destination else { return destination }
        members["secret"] = .string(secret.encoded)
        return .object(members)
    }

    static func templatesText(_ templates: [String: NotificationMessageTemplate]) -> String {
        JSONWriter.string(.object(templates.mapValues(\.json)))
    }

    /// A `creators` scope may only name this company's creators (RLS hides the others, so a
    /// foreign id reads as unknown): 404, as for any creator the caller cannot see, with the
    /// field named.
    static func checkCreators(_ scope: NotificationCreatorScope?, on connection: PostgresConnection) throws {
        guard case .creators(let ids)? = scope else { return }
        let known = Set(try connection.query("SELECT id FROM creators WHERE id = ANY ($1::uuid[])", [PostgresArray.literal(ids)]).rows
            .compactMap { $0["id"] })
        let unknown = ids.filter { !known.contains($0) }
        if !unknown.isEmpty {
            let message = "not creators of this company: \(unknown.joined(separator: ", "))"
            throw FunctionError(status: 404, code: "not_found", message: "no such creator", fields: ["creators": message])
        }
    }
}
