import FunctionRuntime
import Logging
import RumbleAPI
import Settings
import YouTubeAPI

/// A pasted channel, resolved on its platform: what its `creator_channels` row stores.
struct ResolvedChannel: Sendable {
    let platform: ChannelPlatform
    /// Twitch user id, YouTube `UC…` id, Rumble channel (or user) name as the API spells it.
    let channelID: String
    let handle: String?
    let displayName: String
    let url: String
    /// Rumble: the owner's key, sealed onto the row once the row's id is known.
    let rumbleKey: RumbleLivestreamKey?
    /// Twitch: the account that becomes the creator's Twitch identity.
    let twitch: TwitchUserRecord?
}

/// Pasted text → `ResolvedChannel`, with one error code per way it can fail (the field is named
/// in `fields`):
/// - 422 `invalid_channel` / `api_url_required` / `api_url_not_applicable` / `invalid_api_url`:
///   not in a form the OpenAPI document allows; `channel_mismatch`: the key is another channel's;
/// - 404 `channel_not_found` / `api_key_rejected`: well formed, but the platform has no such
///   channel or refuses the key. (404 like any reference to something that does not exist: a
///   well-formed request is never a 422, which the API contract test holds every route to.)
/// - 503 `youtube_quota_exhausted` / `youtube_unavailable` / `rumble_unavailable` /
///   `twitch_unavailable` when the platform cannot answer now, `youtube_not_configured` /
///   `rumble_not_configured` when this deployment lacks the setting.
extension CreatorsRoutes {
    static func parseChannel(_ text: String) throws -> ChannelReference {
        do {
            return try ChannelReference(parsing: text)
        } catch {
            throw Self.invalid("invalid_channel", field: "channel", error.description)
        }
    }

    func resolve(_ reference: ChannelReference, apiURL: String?, logger: Logger) async throws -> ResolvedChannel {
        if reference.platform == .rumble {
            guard let apiURL else {
                throw Self.invalid("api_url_required", field: "apiUrl",
                                   "a Rumble channel needs its Live Stream API URL (rumble.com/account/livestream-api)")
            }
            return try await resolveRumble(reference, apiURL: apiURL, logger: logger)
        }
        guard apiURL == nil else { throw Self.invalid("api_url_not_applicable", field: "apiUrl", "apiUrl is only for Rumble channels") }
        switch reference.platform {
        case .youtube: return try await resolveYouTube(reference, logger: logger)
        case .twitch, .rumble: return try await resolveTwitch(login: reference.value, logger: logger)
        }
    }

    func resolveTwitch(login: String, logger: Logger) async throws -> ResolvedChannel {
        let account: TwitchUserRecord?
        do {
            account = try await twitch.user(login: login)
        } catch {
            logger.error("twitch lookup failed", metadata: ["error": "\(error)"])
            throw FunctionError(status: 503, code: "twitch_unavailable", message: "could not look the login up on Twitch; retry later")
        }
        guard let account else { throw Self.missing("channel_not_found", field: "channel", "no Twitch user has the login \(login)") }
        return ResolvedChannel(platform: .twitch, channelID: account.id, handle: account.login, displayName: account.displayName,
                               url: "https://www.twitch.tv/" + account.login, rumbleKey: nil, twitch: account)
    }

    private func resolveYouTube(_ reference: ChannelReference, logger: Logger) async throws -> ResolvedChannel {
        guard let youTube = platforms.youTube else {
            throw FunctionError(status: 503, code: "youtube_not_configured", message: "YouTube channels are not configured here (YOUTUBE_API_KEY)")
        }
        let found: YouTubeChannel?
        do {
            found = reference.kind == .channelID ? try await youTube.channel(id: reference.value) : try await youTube.channel(handle: reference.value)
        } catch {
            switch error {
            case .invalidArgument(let message):
                throw Self.invalid("invalid_channel", field: "channel", message)
            case .budgetExhausted, .quotaExceeded:
                logger.warning("youtube quota spent; a channel could not be resolved", metadata: ["error": "\(error)"])
                throw FunctionError(status: 503, code: "youtube_quota_exhausted",
                                    message: "today's YouTube API quota is spent (it resets at midnight Pacific time); retry later")
            default:
                logger.error("youtube channel lookup failed", metadata: ["error": "\(error)"])
                throw FunctionError(status: 503, code: "youtube_unavailable", message: "could not look the channel up on YouTube; retry later")
            }
        }
        guard let channel = found, (try? ChannelReference(parsing: channel.id))?.kind == .channelID else {
            let what = reference.kind == .channelID ? "the id \(reference.value)" : "the handle @\(reference.value)"
            throw Self.missing("channel_not_found", field: "channel", "no YouTube channel has \(what)")
        }
        let handle = (channel.handle ?? (reference.kind == .handle ? reference.value : nil)).map { String($0.unicodeScalars.prefix(100)) }
        let title = channel.title.trimmingWhitespace()
        return ResolvedChannel(platform: .youtube, channelID: channel.id, handle: handle,
                               displayName: String((title.isEmpty ? handle.map { "@" + $0 } ?? channel.id : title).unicodeScalars.prefix(200)),
                               url: "https://www.youtube.com/channel/" + channel.id, rumbleKey: nil, twitch: nil)
    }

    /// The URL must parse, Rumble must accept its key, and the key must be the pasted channel's:
    /// otherwise an agency could attach someone else's feed to a channel name.
    private func resolveRumble(_ reference: ChannelReference, apiURL: String, logger: Logger) async throws -> ResolvedChannel {
        guard let rumble = platforms.rumble, platforms.keys != nil else {
            throw FunctionError(status: 503, code: "rumble_not_configured",
                                message: "Rumble channels are not configured here (TOKEN_ENCRYPTION_KEYS seals their API URLs)")
        }
        let key: RumbleLivestreamKey
        do {
            key = try RumbleLivestreamKey(parsing: apiURL, baseURL: rumble.configuration.baseURL)
        } catch {
            throw Self.invalid("invalid_api_url", field: "apiUrl", error.description)
        }
        let data: RumbleLivestreamData
        do {
            data = try await rumble.fetch(key)
        } catch {
            if case .keyRejected = error {
                throw Self.missing("api_key_rejected", field: "apiUrl",
                                   "Rumble refused this Live Stream API URL (reset or revoked?); copy it again from rumble.com/account/livestream-api")
            }
            logger.error("rumble validation fetch failed", metadata: ["error": "\(error)", "key": "\(key)"])
            throw FunctionError(status: 503, code: "rumble_unavailable", message: "could not reach Rumble to check the API URL; retry later")
        }
        let name: String?
        switch reference.kind {
        case .user: name = (data.channelName ?? "").isEmpty ? data.username : nil
        default: name = data.channelName
        }
        guard let name, name.lowercased() == reference.value.lowercased() else {
            let owner = data.channelName.map { "the channel \($0)" } ?? data.username.map { "the user \($0)" } ?? "another account"
            throw Self.invalid("channel_mismatch", field: "apiUrl", "this API URL belongs to \(owner), not to \(reference.value)")
        }
        return ResolvedChannel(platform: .rumble, channelID: name, handle: name, displayName: name,
                               url: "https://rumble.com/" + (reference.kind == .user ? "user/" : "c/") + name, rumbleKey: key, twitch: nil)
    }

    /// A 422 with its own code, naming the field.
    static func invalid(_ code: String, field: String, _ message: String) -> FunctionError {
        FunctionError(status: 422, code: code, message: message, fields: [field: message])
    }

    /// A 404 with its own code, naming the field: the platform knows no such thing.
    static func missing(_ code: String, field: String, _ message: String) -> FunctionError {
        FunctionError(status: 404, code: code, message: message, fields: [field: message])
    }
}
