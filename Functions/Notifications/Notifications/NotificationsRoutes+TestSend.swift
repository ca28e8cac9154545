import API
import AccessTokens
import Audit
import FunctionRuntime
import FunctionServer
import JSONValue
import JobQueue
import Logging
import NotificationStore
import Postgres
import Redis

extension NotificationsRoutes {
    /// `POST /:id/test` `{"eventType"?}`: a delivery row marked `test_send`, queued for the
    /// `notify` job like any other; 202 with its id (its outcome shows in the delivery log).
    @Sendable func testSend(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let body = request.raw.body.isEmpty ? [:] : try request.jsonObject()
        var validator = FieldValidator(body)
        let eventType = Self.eventType(body, &validator) ?? NotificationDestination.defaultEventTypes[0]
        try validator.finish(allowed: ["eventType"])
        let claims = request.claims, actor = request.actor
        let deliveryID = try await database.transaction(claims) { connection -> Int64 in
            guard let destination = try NotificationDestination.load(id: id, on: connection) else { throw FunctionError.notFound("destination") }
            guard destination.enabled else {
                throw FunctionError.conflict("the destination is disabled (\(destination.disabledReason ?? "no reason given")); enable it first")
            }
            let deliveryID = try connection.query("""
                INSERT INTO notification_deliveries (company_id, destination_id, event_type, status, test_send)
                VALUES ($1, $2, $3, 'pending', true) RETURNING id
                """, [claims.companyID, id, eventType]).first!.requireInt64("id")
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "notification_destination.test_send",
                                targetType: "notification_destination", targetID: id, before: nil,
                                after: ["deliveryId": .int(deliveryID), "eventType": .string(eventType)])
            return deliveryID
        }
        // After COMMIT, so the job always finds its row. If Redis refuses, the row is still
        // pending and the sweeper (`notification_deliveries_due`) queues it later.
        if let redis {
            let delivery = NotifyRequest.Delivery(id: deliveryID, companyID: claims.companyID)
            do {
                try await redis.withConnection { connection in try NotifyRequest.enqueue([delivery], on: connection) }
            } catch {
                request.context.logger.warning("could not queue a test send; the sweeper will", metadata: [
                    "deliveryId": "\(deliveryID)", "error": "\(error)",
                ])
            }
        }
        return .json(["deliveryId": .int(deliveryID), "status": "pending"], status: 202)
    }

    /// `GET /:id/deliveries?limit=50&before=<id>`: newest first; `next.before` pages back.
    @Sendable func deliveries(_ request: APIRequest) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        var problems: [String: String] = [:]
        var limit = 50
        if let text = request.raw.queryParameter("limit") {
            if let value = Int(text), (1...200).contains(value) { limit = value } else { problems["limit"] = "must be a whole number from 1 to 200" }
        }
        var before: Int64?
        if let text = request.raw.queryParameter("before") {
            if let value = Int64(text), value > 0 { before = value } else { problems["before"] = "must be a delivery id (a positive whole number)" }
        }
        if !problems.isEmpty { throw FunctionError.validation(problems) }
        let (pageSize, cursor) = (limit, before)
        let rows = try await database.transaction(request.claims) { connection -> [QueryResult.Row] in
            guard try NotificationDestination.load(id: id, on: connection) != nil else { throw FunctionError.notFound("destination") }
            return try connection.query("""
                SELECT d.id, d.event_id, d.event_type, d.creator_id, c.login, c.display_name, d.status, d.skip_reason, d.attempts,
                       d.response_status, d.last_error, d.latency_ms, d.test_send,
                       to_char(d.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
                       to_char(d.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS finished_at_text,
                       to_char(d.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS next_attempt_at_text
                FROM notification_deliveries d LEFT JOIN creators c ON c.id = d.creator_id
                WHERE d.company_id = current_company_id() AND d.destination_id = $1 AND ($2::bigint IS NULL OR d.id < $2::bigint)
                ORDER BY d.id DESC LIMIT $3::integer
                """, [id, cursor, pageSize + 1]).rows
        }
        let page = rows.prefix(limit).map(Self.delivery)
        let next: JSONValue = rows.count > limit ? ["before": page.last?["id"] ?? .null] : .null
        return .json(["data": .array(Array(page)), "next": next])
    }

    static func delivery(_ row: QueryResult.Row) -> JSONValue {
        func text(_ name: String) -> JSONValue { row[name].map(JSONValue.string) ?? .null }
        func int(_ name: String) -> JSONValue { row[name].flatMap { Int64($0) }.map(JSONValue.int) ?? .null }
        let status = row["status"] ?? ""
        return [
            "id": int("id"), "eventId": int("event_id"), "eventType": text("event_type"),
            "creator": row["creator_id"].map { id in
                ["id": .string(id), "login": text("login"), "displayName": text("display_name")]
            } ?? .null,
            "status": .string(status), "skipReason": text("skip_reason"), "attempts": int("attempts"), "responseStatus": int("response_status"),
            "lastError": text("last_error"), "latencyMs": int("latency_ms"), "testSend": .bool(row.bool("test_send") ?? false),
            "createdAt": text("created_at_text"), "finishedAt": text("finished_at_text"),
            "nextAttemptAt": status == "retrying" ? text("next_attempt_at_text") : .null,
        ]
    }
}
