import Audit

import BlockingIO
public import CreatorLinks
import JSONValue
import JobQueue
public import Logging
public import Postgres
public import Redis
public import TwitchAPI

/// Keeps linked creators' Twitch tokens alive (the `twitch-token-refresh` job):
/// - an access token that expires within `refreshAheadSeconds` is refreshed, and the new pair
///   (Twitch may rotate the refresh token) is stored sealed;
/// - a token not validated for `validateEverySeconds` is checked with `/oauth2/validate` (Twitch
///   requires apps holding user tokens to validate hourly); 401 there means refresh now;
/// - a refresh token Twitch refuses (password change, access removed) marks the link
///   `needs_relink`: tokens forgotten, an audit row for the agency, and a renewal request so the
///   authorization-only subscriptions pause until the creator links again.
///
/// Two workers never refresh one link at once: a refresh may rotate the refresh token, and the
/// loser would then present a dead one and wrongly mark the link. A short Redis lock per link
/// guards the network call (a row lock cannot span it), and the store only replaces the tokens
/// it read. Which links are due comes from `creator_links_due()` (ids only, across companies);
/// each link is then read and written in its own company's tenant scope.
public struct TokenRefresher: Sendable {
    let pool: PostgresPool
    let tokens: CreatorTokens
    let authorization: TwitchUserAuthorization
    let redis: RedisClient
    let logger: Logger
    let refreshAheadSeconds: Int
    let validateEverySeconds: Int
    let batchSize: Int

    public init(pool: PostgresPool, tokens: CreatorTokens, authorization: TwitchUserAuthorization, redis: RedisClient, logger: Logger,
                refreshAheadSeconds: Int = 1_800, validateEverySeconds: Int = 3_300, batchSize: Int = 500) {
        self.pool = pool
        self.tokens = tokens
        self.authorization = authorization
        self.redis = redis
        self.logger = logger
        self.refreshAheadSeconds = refreshAheadSeconds
        self.validateEverySeconds = validateEverySeconds
        self.batchSize = batchSize
    }

    public func run() async throws -> TokenRefreshReport {
        let ahead = refreshAheadSeconds, every = validateEverySeconds, limit = batchSize
        let due = try await pool.withConnection { connection in
            try connection.query("""
                SELECT company_id::text AS company_id, creator_id::text AS creator_id
                FROM creator_links_due(now() + make_interval(secs => $1::float8), now() - make_interval(secs => $2::float8), $3)
                """, [String(ahead), String(every), String(limit)]).rows.map { (try $0.require("company_id"), try $0.require("creator_id")) }
        }
        var report = TokenRefreshReport()
        report.due = due.count
        for (company, creator) in due {
            await keepAlive(company: company, creator: creator, report: &report)
        }
        logger.info("token refresh done", metadata: ["report": "\(report)"])
        return report
    }

    private func keepAlive(company: String, creator: String, report: inout TokenRefreshReport) async {
        let lockKey = "creator-link:refresh:\(creator)", owner = LinkState.generate()
        guard (try? await redis.withConnection { try $0.command(["SET", lockKey, owner, "NX", "PX", "60000"]).isNull == false }) == true else {
            report.skipped += 1
            return
        }
        defer {
            Task { [redis] in
                _ = try? await redis.withConnection {
                    try $0.command(["EVAL", "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", "1", lockKey, owner])
                }
            }
        }
        do {
            guard let link = try await pool.transaction({ connection -> CreatorLink? in
                try connection.setTenant(company)
                return try CreatorLink.load(creatorID: creator, on: connection)
            }), link.status == .linked else {
                report.skipped += 1
                return
            }
            let access: String, refresh: String
            do {
                guard let openedAccess = try tokens.openAccess(link), let openedRefresh = try tokens.openRefresh(link) else {
                    report.skipped += 1
                    return
                }
                (access, refresh) = (openedAccess, openedRefresh)
            } catch {
                report.undecryptable += 1
                logger.error("a creator's tokens cannot be opened with TOKEN_ENCRYPTION_KEYS; left untouched", metadata: [
                    "creatorId": "\(creator)", "error": "\(error)"])
                return
            }
            if (link.accessExpiresInSeconds ?? 0) > Double(refreshAheadSeconds) {
                do {
                    _ = try await authorization.validate(accessToken: access)
                    try await pool.transaction { connection in
                        try connection.setTenant(company)
                        try connection.query("UPDATE creator_links SET validated_at = now() WHERE creator_id = $1", [creator])
                    }
                    report.validated += 1
                    return
                } catch TwitchAuthorizationError.invalidAccessToken {
                    // Revoked or expired early: a refresh tells which.
                }
            }
            do {
                let fresh = try await authorization.refresh(refreshToken: refresh)
                let stored = try await pool.transaction { connection -> Bool in
                    try connection.setTenant(company)
                    return try tokens.storeRefresh(fresh, replacing: link, on: connection)
                }
                if stored { report.refreshed += 1 } else { report.skipped += 1 }
            } catch TwitchAuthorizationError.invalidRefreshToken {
                try await markNeedsRelink(link)
                report.needsRelink += 1
            }
        } catch {
            report.failed += 1
            logger.warning("could not keep a creator's token alive; next run retries", metadata: ["creatorId": "\(creator)", "error": "\(error)"])
        }
    }

    private func markNeedsRelink(_ link: CreatorLink) async throws {
        let problem = "Twitch refused the refresh token (password changed or access removed): the creator must link again"
        try await pool.transaction { connection in
            try connection.setTenant(link.companyID)
            try CreatorTokens.markNeedsRelink(creatorID: link.creatorID, problem: problem, on: connection)
            try AuditLog.record(on: connection, companyID: link.companyID,
                                actor: AuditActor(userID: "twitch-token-refresh", role: "system", requestID: "twitch-token-refresh", ip: nil, userAgent: nil),
                                action: "creator.link_lost", targetType: "creator", targetID: link.creatorID,
                                before: ["status": "linked", "scopes": .array(link.scopes.map(JSONValue.string))],
                                after: ["status": "needs_relink", "problem": .string(problem)])
        }
        await RenewalRequest.enqueue(twitchUserIDs: [link.twitchUserID], redis: redis, logger: logger)
        logger.notice("creator link needs relinking", metadata: ["creatorId": "\(link.creatorID)"])
    }
}
