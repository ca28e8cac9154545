public import CreatorLinks
public import Logging
import SecretSealing
public import Settings
public import TwitchAPI

/// What the creators routes need for linking: where the link page lives and the sealed tokens
/// (an unlink revokes the token at Twitch). Built from `TWITCH_REDIRECT_URL` (the link pages live beside the OAuth callback,
/// `{origin}/creator-link/…`), `TOKEN_ENCRYPTION_KEYS`, the Twitch client settings.
public struct CreatorLinking: Sendable {
    /// `https://noc.example.com/creator-link/`: a link is this plus its state.
    public let linkBaseURL: String
    let tokens: CreatorTokens
    let authorization: TwitchUserAuthorization
    let logger: Logger

    public init(linkBaseURL: String, tokens: CreatorTokens, authorization: TwitchUserAuthorization, logger: Logger) {
        self.linkBaseURL = linkBaseURL.hasSuffix("/") ? linkBaseURL : linkBaseURL + "/"
        self.tokens = tokens
        self.authorization = authorization
        self.logger = logger
    }

    public static func fromEnvironment(_ environment: Environment, logger: Logger) throws -> CreatorLinking {
        let redirect = try environment.required("TWITCH_REDIRECT_URL")
        guard let origin = Self.origin(of: redirect) else {
            throw ConfigurationError("TWITCH_REDIRECT_URL must be an absolute http(s) URL, got \(redirect)")
        }
        return CreatorLinking(linkBaseURL: origin + "/creator-link/",
                              tokens: CreatorTokens(keys: try SealingKeyRing.fromEnvironment(environment)),
                              authorization: TwitchUserAuthorization(configuration: try HelixConfiguration.fromEnvironment(environment)),
                              logger: logger)
    }

    /// `scheme://host[:port]` of an http(s) URL.
    static func origin(of url: String) -> String? {
        for scheme in ["https://", "http://"] where url.lowercased().hasPrefix(scheme) {
            let rest = url.dropFirst(scheme.count)
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard !host.isEmpty else { return nil }
            return scheme + host
        }
        return nil
    }

    /// Revokes the link's access token at Twitch (which ends its refresh token too). Best effort:
    /// an unlink must work while Twitch is unreachable; the token then dies at its expiry and the
    /// subscriptions go anyway. True when Twitch confirmed (or the token was already invalid).
    func revokeAtTwitch(_ link: CreatorLink) async -> Bool {
        let token: String?
        do { token = try tokens.openAccess(link) } catch {
            logger.warning("cannot open a creator's token to revoke it", metadata: ["creatorId": "\(link.creatorID)", "error": "\(error)"])
            return false
        }
        guard let token else { return true }
        do {
            try await authorization.revoke(token: token)
            return true
        } catch {
            logger.warning("twitch did not confirm the token revocation", metadata: ["creatorId": "\(link.creatorID)", "error": "\(error)"])
            return false
        }
    }
}
