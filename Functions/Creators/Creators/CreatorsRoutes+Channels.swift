import API
import AccessTokens
import Audit
import FunctionRuntime
import FunctionServer
import JobQueue
import JSONValue
import Postgres
import RumbleAPI
import SecretSealing
import Settings
import YouTubeAPI

/// A creator's channels on other platforms (issue 17):
/// - `POST /api/creators` with `{"displayName", "channel", "apiUrl"?, "topics"?, "notes"?}`: a
///   creator known by any channel, Twitch or not;
/// - `POST /api/creators/{id}/channels` `{"channel", "apiUrl"?}`: 201 with the channel. A Twitch
///   channel becomes the creator's Twitch identity (the creator must not have one; the trigger of
///   migration 12 mirrors it into `creator_channels`); a Rumble channel's API URL is sealed;
/// - `DELETE /api/creators/{id}/channels/{channelRowId}`: 204. A Twitch channel is the creator's
///   identity (links, EventSub): it goes only with the creator.
///
/// The channel is resolved on its platform before the transaction (a network call), then checked
/// against the tenant's rows inside it: 404 unknown creator, 409 already tracked in this company
/// (error codes: `ChannelResolution`).
/// One audit row per change; never a sealed URL or key in it.
extension CreatorsRoutes {
    @Sendable func addWithChannel(_ request: APIRequest, body: [String: JSONValue]) async throws -> FunctionResponse {
        var validator = FieldValidator(body)
        let displayName = validator.string("displayName", required: true, maxLength: 100) { $0.trimmingWhitespace().isEmpty ? "must not be blank" : nil }
        let channel = validator.string("channel", required: true, maxLength: ChannelReference.maximumLength)
        let apiURL = validator.string("apiUrl", required: false, maxLength: 2048)
        let topics = validator.stringArray("topics", maxCount: 20, maxLength: 40)
        let notes = validator.string("notes", required: false, maxLength: 2000)
        try validator.finish(allowed: ["displayName", "channel", "apiUrl", "topics", "notes"])
        let reference = try Self.parseChannel(channel!)
        let resolved = try await resolve(reference, apiURL: apiURL, logger: request.context.logger)
        let claims = request.claims, actor = request.actor
        let creator = try await database.transaction(claims) { connection -> JSONValue in
            let id: String
            do {
                id = try connection.query("""
                    INSERT INTO creators (company_id, twitch_user_id, login, display_name, topics, notes)
                    VALUES ($1, $2, $3, $4, $5::text[], $6) RETURNING id
                    """, [claims.companyID, resolved.twitch?.id, resolved.twitch?.login, displayName!.trimmingWhitespace(),
                          PostgresArray.literal(topics ?? []), notes ?? ""]).first!.require("id")
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Self.alreadyTracked(resolved)
            }
            if resolved.twitch == nil { _ = try insertChannel(resolved, companyID: claims.companyID, creatorID: id, on: connection) }
            let creator = try loadCreator(id, on: connection)!.json
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.add", targetType: "creator",
                                targetID: id, before: nil, after: Self.withoutHints(creator))
            return creator
        }
        if let twitch = resolved.twitch { await requestRenewal([twitch.id], request) }
        if resolved.platform == .youtube { await requestYouTubeSubscriptions(request) }
        return .json(creator, status: 201)
    }

    @Sendable func addChannel(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        var validator = FieldValidator(try request.jsonObject())
        let channel = validator.string("channel", required: true, maxLength: ChannelReference.maximumLength)
        let apiURL = validator.string("apiUrl", required: false, maxLength: 2048)
        try validator.finish(allowed: ["channel", "apiUrl"])
        let claims = request.claims, actor = request.actor
        // Cheap refusals before the platform is asked (its quota, its latency).
        let twitchUserID = try await database.read(claims) { connection -> String?? in
            try connection.query("SELECT twitch_user_id FROM creators WHERE id = $1", [id]).first.map { $0["twitch_user_id"] }
        }
        guard let twitchUserID else { throw FunctionError.notFound("creator") }
        let reference = try Self.parseChannel(channel!)
        if reference.platform == .twitch, twitchUserID != nil { throw Self.hasTwitchChannel }
        let resolved = try await resolve(reference, apiURL: apiURL, logger: request.context.logger)
        let added = try await database.transaction(claims) { connection -> JSONValue in
            guard let creator = try connection.query("SELECT twitch_user_id FROM creators WHERE id = $1 FOR UPDATE", [id]).first else {
                throw FunctionError.notFound("creator")
            }
            let rowID: String
            if let twitch = resolved.twitch {
                guard creator["twitch_user_id"] == nil else { throw Self.hasTwitchChannel }
                do {
                    try connection.query("UPDATE creators SET twitch_user_id = $2, login = $3 WHERE id = $1", [id, twitch.id, twitch.login])
                } catch let error as PostgresError where error.isUniqueViolation {
                    throw Self.alreadyTracked(resolved)
                }
                rowID = try connection.query("SELECT id FROM creator_channels WHERE creator_id = $1 AND platform = 'twitch'", [id]).first!.require("id")
            } else {
                rowID = try insertChannel(resolved, companyID: claims.companyID, creatorID: id, on: connection)
            }
            let channel = try CreatorChannelRows.one(id: rowID, creatorID: id, keys: platforms.keys, on: connection)!
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.channel_add", targetType: "creator",
                                targetID: id, before: nil, after: Self.withoutHints(channel))
            return channel
        }
        if let twitch = resolved.twitch { await requestRenewal([twitch.id], request) }
        if resolved.platform == .youtube { await requestYouTubeSubscriptions(request) }
        return .json(added, status: 201)
    }

    @Sendable func removeChannel(_ request: APIRequest) async throws -> FunctionResponse {
        let id = request.parameter("id"), rowID = request.parameter("channelRowId")
        guard TenantID.isValid(id) else { throw FunctionError.notFound("creator") }
        guard TenantID.isValid(rowID) else { throw FunctionError.notFound("channel") }
        let claims = request.claims, actor = request.actor, keys = platforms.keys
        let platform = try await database.transaction(claims) { connection -> String? in
            guard try connection.query("SELECT 1 FROM creators WHERE id = $1", [id]).first != nil else { throw FunctionError.notFound("creator") }
            guard let row = try connection.query(CreatorChannelRows.select + " WHERE ch.id = $1 AND ch.creator_id = $2 FOR UPDATE OF ch",
                                                 [rowID, id]).first
            else { throw FunctionError.notFound("channel") }
            guard row["platform"] != "twitch" else {
                throw FunctionError(status: 409, code: "twitch_channel_is_identity",
                                    message: "a creator's Twitch channel is its Twitch identity (links, EventSub); it goes only with the creator (DELETE /api/creators/{id})")
            }
            try connection.query("DELETE FROM creator_channels WHERE id = $1", [rowID])
            try AuditLog.record(on: connection, companyID: claims.companyID, actor: actor, action: "creator.channel_remove", targetType: "creator",
                                targetID: id, before: Self.withoutHints(CreatorChannelRows.json(row, keys: keys)), after: nil)
            return row["platform"]
        }
        if platform == "youtube" { await requestYouTubeSubscriptions(request) }
        return FunctionResponse(status: 204)
    }

    /// A YouTube channel added or removed: the hub should start or stop pushing now.
    func requestYouTubeSubscriptions(_ request: APIRequest) async {
        guard let redis else { return }
        await YouTubeSubscriptionsRequest.enqueue(redis: redis, logger: request.context.logger)
    }

    /// Inserts a YouTube or Rumble channel row (the Rumble URL sealed for this row's id); returns
    /// the row's id. 409 when the company already tracks the channel.
    func insertChannel(_ channel: ResolvedChannel, companyID: String, creatorID: String, on connection: PostgresConnection) throws -> String {
        let rowID = try connection.query("SELECT gen_random_uuid()::text AS id").first!.require("id")
        var sealed: String?
        if let key = channel.rumbleKey {
            guard let keys = platforms.keys else { throw FunctionError.internal }
            sealed = try keys.seal(key.canonicalURL, context: RumbleLivestreamKey.sealingContext(channelRowID: rowID))
        }
        do {
            try connection.query("""
                INSERT INTO creator_channels (id, company_id, creator_id, platform, channel_id, handle, display_name, url, api_url_sealed)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, [rowID, companyID, creatorID, channel.platform.rawValue, channel.channelID, channel.handle, channel.displayName, channel.url,
                      sealed])
        } catch let error as PostgresError where error.isUniqueViolation {
            throw Self.alreadyTracked(channel)
        }
        return rowID
    }

    static func alreadyTracked(_ channel: ResolvedChannel) -> FunctionError {
        FunctionError(status: 409, code: "channel_already_tracked",
                      message: "this company already tracks the \(channel.platform.rawValue) channel \(channel.handle ?? channel.channelID)")
    }

    static let hasTwitchChannel = FunctionError(status: 409, code: "twitch_channel_exists",
                                                message: "this creator already has a Twitch channel (one per creator)")

    /// Audit rows keep no trace of a key, not even its last characters.
    static func withoutHints(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            object["apiUrlHint"] = nil
            if case .array(let channels)? = object["channels"] { object["channels"] = .array(channels.map(withoutHints)) }
            return .object(object)
        default:
            return value
        }
    }
}
