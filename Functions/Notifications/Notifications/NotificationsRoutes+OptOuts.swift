import API
import AccessTokens
import Audit
import FunctionRuntime
import FunctionServer
import JSONValue
import NotificationStore
import Postgres

extension NotificationsRoutes {
    /// `PUT /:id/opt-outs/:creatorId`: the creator is no longer announced here (their events are
    /// logged as skipped, `opted_out`). Idempotent; answers the destination with its opt-outs.
    @Sendable func optOut(_ request: APIRequest) async throws -> FunctionResponse {
        try await changeOptOut(request, optingOut: true)
    }

    /// `DELETE /:id/opt-outs/:creatorId`: announced again. Idempotent.
    @Sendable func optIn(_ request: APIRequest) async throws -> FunctionResponse {
        try await changeOptOut(request, optingOut: false)
    }

    private func changeOptOut(_ request: APIRequest, optingOut: Bool) async throws -> FunctionResponse {
        let id = try Self.destinationID(request)
        let creatorID = request.parameter("creatorId").lowercased()
        if !request.raw.body.isEmpty { try FieldValidator(try request.jsonObject()).finish(allowed: []) }
        let claims = request.claims, actor = request.actor
        let destination = try await database.transaction(claims) { connection -> JSONValue in
            guard try NotificationDestination.load(id: id, on: connection) != nil else { throw FunctionError.notFound("destination") }
            guard TenantID.isValid(creatorID), !(try connection.query("SELECT 1 FROM creators WHERE id = $1", [creatorID]).isEmpty) else {
                throw FunctionError.notFound("creator")
            }
            let changed = optingOut
                ? try connection.query("""
                    INSERT INTO notification_opt_outs (company_id, destination_id, creator_id) VALUES ($1, $2, $3)
                    ON CONFLICT (destination_id, creator_id) DO NOTHING
                    """, [claims.companyID, id, creatorID]).affectedRows
                : try connection.query("DELETE FROM notification_opt_outs WHERE destination_id = $1 AND creator_id = $2", [id, creatorID]).affectedRows
            if changed > 0 {
                try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor,
                                    action: optingOut ? "notification_destination.opt_out" : "notification_destination.opt_in",
                                    targetType: "notification_destination", targetID: id, before: nil, after: ["creatorId": .string(creatorID)])
            }
            return try DestinationRepresentation.load(id: id, on: connection)!
        }
        return .json(destination)
    }
}
