import BlockingIO
import JSONValue
import Postgres
import Settings
import SubscriptionRenewal
import TestSupport
import Testing
import TwitchAPI
import TwitchStandIn

/// Subscription renewal against the Twitch stand-in and the test run's Postgres. Every test uses
/// its own Twitch user ids and restricts the renewer to them (`onlyTwitchUserIDs`): the database is
/// shared with every other test, whose creators are tracked users too.
@Suite struct RenewalTests {
    typealias Fixture = TwitchJobFixture

    struct Context {
        let standIn: Fixture.StandIn
        let callback: String
        let pool: PostgresPool
        let company: String
        let sleeper: RecordingSleeper

        func renewer(users: Set<String>, helix: HelixClient? = nil, maximumWait: Double = 65) -> SubscriptionRenewer {
            let sleeper = self.sleeper
            return SubscriptionRenewer(
                helix: helix ?? standIn.makeClient(), pool: pool, callbackURL: callback, secret: Fixture.secret,
                logger: Fixture.quietLogger("renewal"),
                options: .init(maximumRateLimitWaitSeconds: maximumWait, onlyTwitchUserIDs: users),
                sleep: { wait in try await sleeper.sleep(resetAt: wait.resetAt, seconds: wait.seconds) })
        }

        var ours: [StandInSubscription] { standIn.subscriptions(callback: callback) }

        func allOursEnabled(count: Int) async -> Bool {
            await Fixture.eventually { ours.count == count && ours.allSatisfy { $0.status == "enabled" } }
        }

        /// `eventsub_subscriptions` rows with our callback: id → status.
        func recorded() throws -> [String: String] {
            var rows: [String: String] = [:]
            for row in try TestServices.superuserQuery("SELECT id, status FROM eventsub_subscriptions WHERE callback = $1", [callback]).rows {
                rows[try row.require("id")] = try row.require("status")
            }
            return rows
        }
    }

    func withContext(_ configuration: StandInConfiguration = StandInConfiguration(), sleeperSeconds: Double = 0.01,
                     _ body: (Context) async throws -> Void) async throws {
        let pool = PostgresPool(url: try TestServices.databaseURL(), size: 2, logger: Fixture.quietLogger("postgres"))
        let company = try TestServices.makeCompany("Renewal Agency")
        do {
            try await Fixture.withStandIn(configuration) { standIn in
                try await Fixture.withCallback { callback in
                    try await body(Context(standIn: standIn, callback: callback, pool: pool, company: company,
                                           sleeper: RecordingSleeper(realSeconds: sleeperSeconds)))
                }
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    @Test func createsMissingForPublicAndAuthorizedCreatorsThenASecondRunWritesNothing() async throws {
        try await withContext { context in
            let plain = TestServices.uniqueTwitchUserID(), linked = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: plain, login: "plain", linked: false)
            _ = try TestServices.addCreator(company: context.company, twitchUserID: linked, login: "linked", linked: false)
            try Fixture.authorize(company: context.company, twitchUserID: linked)
            // The stand-in charges 0 for users who authorized the client id, like Twitch.
            try context.standIn.state.addUser(id: linked, login: "linked\(linked.suffix(6))", hasAuthorizedApp: true)
            let renewer = context.renewer(users: [plain, linked])

            let first = try await renewer.run()
            #expect(first.desired == 16)
            #expect(first.created == 16)
            #expect(first.writeCalls == 16)
            #expect(first.kept == 0 && first.deleted == 0 && first.recreated == 0 && first.failed == 0)
            #expect(await context.allOursEnabled(count: 16))

            let ours = context.ours
            let plainTypes = ours.filter { $0.condition.values.contains(plain) }.map(\.type).sorted()
            #expect(plainTypes == ["channel.raid", "channel.raid", "channel.update", "stream.offline", "stream.online"])
            let raids = Set(ours.filter { $0.type == "channel.raid" && $0.condition.values.contains(plain) }.map(\.condition))
            #expect(raids == [["to_broadcaster_user_id": plain], ["from_broadcaster_user_id": plain]])
            let linkedTypes = Set(ours.filter { $0.condition.values.contains(linked) }.map { "\($0.type)@\($0.version)" })
            #expect(linkedTypes == [
                "stream.online@1", "stream.offline@1", "channel.update@2", "channel.raid@1", "channel.follow@2", "channel.subscribe@1",
                "channel.subscription.gift@1", "channel.cheer@1", "channel.hype_train.begin@2", "channel.hype_train.end@2",
            ])
            let follow = try #require(ours.first { $0.type == "channel.follow" })
            #expect(follow.condition == ["broadcaster_user_id": linked, "moderator_user_id": linked])
            // Plain creator's five cost 1 each; the linked creator's cost 0.
            #expect(ours.reduce(0) { $0 + $1.cost } == 5)
            #expect(ours.allSatisfy { $0.secret == Fixture.secret })

            // Recorded as created (pending), no status change yet needed from us.
            #expect(Set(try context.recorded().keys) == Set(ours.map(\.id)))

            let second = try await renewer.run()
            #expect(second.writeCalls == 0)
            #expect(second.kept == 16)
            #expect(second.created == 0 && second.deleted == 0 && second.recreated == 0)
            #expect(Set(context.ours.map(\.id)) == Set(ours.map(\.id)))
            // The second run recorded what Twitch says now.
            #expect(try context.recorded().values.allSatisfy { $0 == "enabled" })
        }
    }

    @Test func recreatesFailedOnesAndLeavesRevokedAuthorizationAlone() async throws {
        try await withContext { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            let renewer = context.renewer(users: [user])
            #expect(try await renewer.run().created == 5)
            #expect(await context.allOursEnabled(count: 5))

            let online = try #require(context.ours.first { $0.type == "stream.online" })
            let offline = try #require(context.ours.first { $0.type == "stream.offline" })
            let update = try #require(context.ours.first { $0.type == "channel.update" })
            _ = try await context.standIn.server.setSubscriptionStatus(id: online.id, to: "notification_failures_exceeded")
            _ = try await context.standIn.server.setSubscriptionStatus(id: offline.id, to: "authorization_revoked")
            _ = try await context.standIn.server.setSubscriptionStatus(id: update.id, to: "webhook_callback_verification_failed")

            let second = try await renewer.run()
            #expect(second.recreated == 2)
            #expect(second.needsReauthorization == 1)
            #expect(second.kept == 2)
            #expect(second.writeCalls == 4)  // two DELETEs, two POSTs
            #expect(context.standIn.state.subscription(id: online.id) == nil)
            #expect(context.standIn.state.subscription(id: update.id) == nil)
            #expect(context.standIn.state.subscription(id: offline.id)?.status == "authorization_revoked")
            #expect(await Fixture.eventually {
                context.ours.filter { $0.status == "enabled" }.count == 4 && context.ours.count == 5
            })
            let recreatedOnline = try #require(context.ours.first { $0.type == "stream.online" })
            #expect(recreatedOnline.id != online.id)

            let recorded = try context.recorded()
            #expect(recorded[online.id] == nil)
            #expect(recorded[update.id] == nil)
            #expect(recorded[offline.id] == "authorization_revoked")
            #expect(recorded[recreatedOnline.id] != nil)

            // No loop: the revoked one is reported again, nothing is written.
            let third = try await renewer.run()
            #expect(third.writeCalls == 0)
            #expect(third.needsReauthorization == 1)
            #expect(third.kept == 4)
        }
    }

    @Test func deletesWhatNoCompanyTracksAnyMoreAndLeavesOthersSubscriptionsAlone() async throws {
        try await withContext { context in
            let staying = TestServices.uniqueTwitchUserID(), leaving = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: staying, login: "staying", linked: false)
            _ = try TestServices.addCreator(company: context.company, twitchUserID: leaving, login: "leaving", linked: false)
            let renewer = context.renewer(users: [staying, leaving])
            #expect(try await renewer.run().created == 10)
            #expect(await context.allOursEnabled(count: 10))
            let leavingIDs = Set(context.ours.filter { $0.condition.values.contains(leaving) }.map(\.id))
            #expect(leavingIDs.count == 5)

            // Someone else's subscription for the same user (another callback) is not ours to delete
            // (channel.ban needs the broadcaster's channel:moderate grant, as at Twitch).
            _ = try context.standIn.state.addUser(id: leaving, login: "leaving\(leaving.suffix(6))")
            _ = try #require(context.standIn.state.grant(userID: leaving, scopes: ["channel:moderate"]))
            let foreign = try await context.standIn.makeClient().createEventSubSubscription(
                type: "channel.ban", version: "1", condition: ["broadcaster_user_id": leaving],
                callback: "http://127.0.0.1:1/elsewhere", secret: Fixture.secret)
            // A row with our callback for a subscription Twitch no longer has is stale.
            let staleID = "stale-" + TestServices.uniqueTwitchUserID()
            _ = try TestServices.superuserQuery("""
                INSERT INTO eventsub_subscriptions (id, type, version, condition, status, callback)
                VALUES ($1, 'stream.online', '1', jsonb_build_object('broadcaster_user_id', $2::text), 'enabled', $3)
                """, [staleID, staying, context.callback])

            try Fixture.removeCreator(company: context.company, twitchUserID: leaving)
            let second = try await renewer.run()
            #expect(second.deleted == 5)
            #expect(second.writeCalls == 5)
            #expect(second.kept == 5)
            #expect(context.ours.count == 5)
            #expect(context.ours.allSatisfy { $0.condition.values.contains(staying) })
            #expect(context.standIn.state.subscription(id: foreign.id) != nil)
            let recorded = try context.recorded()
            #expect(leavingIDs.allSatisfy { recorded[$0] == nil })
            #expect(recorded[staleID] == nil)
            #expect(Set(recorded.keys) == Set(context.ours.map(\.id)))
        }
    }

    @Test func walksEveryPageOfTheListing() async throws {
        try await withContext(StandInConfiguration(subscriptionPageSize: 2)) { context in
            let users = (0..<3).map { _ in TestServices.uniqueTwitchUserID() }
            for (index, user) in users.enumerated() {
                _ = try TestServices.addCreator(company: context.company, twitchUserID: user, login: "paged\(index)", linked: false)
            }
            let renewer = context.renewer(users: Set(users))
            #expect(try await renewer.run().created == 15)
            #expect(await context.allOursEnabled(count: 15))
            let before = context.standIn.state.helixRequestCount(path: "/helix/eventsub/subscriptions")
            let second = try await renewer.run()
            // A run for a few creators lists each one's subscriptions (user_id filter): 5 each at
            // 2 per page is 3 pages per user, all read; everything found, nothing created twice.
            #expect(context.standIn.state.helixRequestCount(path: "/helix/eventsub/subscriptions") - before == 9)
            #expect(second.listed == 15)
            #expect(second.kept == 15)
            #expect(second.writeCalls == 0)
        }
    }

    @Test func conflictOnCreateMeansItExistsAlready() async throws {
        try await withContext { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            // The same type, version and condition exists under another callback (another
            // deployment, or a renamed callback): Twitch answers 409 to our create.
            try await Fixture.withCallback { otherCallback in
                let existing = try await context.standIn.makeClient().createEventSubSubscription(
                    type: "stream.online", version: "1", condition: ["broadcaster_user_id": user], callback: otherCallback,
                    secret: Fixture.secret)
                #expect(await Fixture.eventually { context.standIn.state.subscription(id: existing.id)?.status == "enabled" })

                let report = try await context.renewer(users: [user]).run()
                #expect(report.alreadyExisted == 1)
                #expect(report.created == 4)
                #expect(report.failed == 0)
                #expect(context.ours.count == 4)
                #expect(context.standIn.state.subscription(id: existing.id)?.callback == otherCallback)
            }
        }
    }

    @Test func waitsForTheRateLimitResetOnTooManyRequests() async throws {
        // 300 points a minute: 5 come back every second.
        try await withContext(StandInConfiguration(rateLimitPointsPerMinute: 300), sleeperSeconds: 0.3) { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            let helix = context.standIn.makeClient()
            // Empty the bucket.
            var emptied = false
            for _ in 0..<400 where !emptied {
                do { _ = try await helix.users(ids: ["1"]) } catch HelixError.rateLimited { emptied = true }
            }
            #expect(emptied)
            let resetAt = try #require(helix.lastRateLimit?.resetAt)

            let report = try await context.renewer(users: [user], helix: helix).run()
            #expect(report.created == 5)
            #expect(report.rateLimitWaits >= 1)
            let first = try #require(context.sleeper.recorded.first)
            // Asked to wait until Ratelimit-Reset (the bucket refills completely within a minute).
            let reset = try #require(first.resetAt)
            #expect(reset >= resetAt - 1)
            #expect(abs(first.askedAt + first.wait - Double(reset)) < 1.5)
            #expect(first.wait > 10 && first.wait <= 65)
            #expect(await context.allOursEnabled(count: 5))
        }
    }

    @Test func boundsTheRateLimitWait() async throws {
        try await withContext(StandInConfiguration(rateLimitPointsPerMinute: 300), sleeperSeconds: 0.3) { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            let helix = context.standIn.makeClient()
            var emptied = false
            for _ in 0..<400 where !emptied {
                do { _ = try await helix.users(ids: ["1"]) } catch HelixError.rateLimited { emptied = true }
            }
            #expect(try await context.renewer(users: [user], helix: helix, maximumWait: 2).run().created == 5)
            #expect(!context.sleeper.recorded.isEmpty)
            #expect(context.sleeper.recorded.allSatisfy { $0.wait <= 2 })
        }
    }

    @Test func getsANewTokenWhenTheOldOneExpiredOrWasRevoked() async throws {
        try await withContext(StandInConfiguration(tokenLifetimeSeconds: 2)) { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            // No refresh margin: the cached token is used until it really expires.
            let helix = context.standIn.makeClient(refreshMarginSeconds: 0)
            let renewer = context.renewer(users: [user], helix: helix)
            #expect(try await renewer.run().created == 5)
            #expect(context.standIn.state.tokensIssued == 1)
            #expect(await context.allOursEnabled(count: 5))

            try await Task.sleep(nanoseconds: 2_300_000_000)
            let afterExpiry = try await renewer.run()
            #expect(afterExpiry.kept == 5)
            #expect(afterExpiry.writeCalls == 0)
            #expect(context.standIn.state.tokensIssued == 2)

            // Revoked while cached: Helix answers 401, the client fetches a new one and retries.
            context.standIn.state.revokeAllTokens()
            let afterRevocation = try await renewer.run()
            #expect(afterRevocation.kept == 5)
            #expect(context.standIn.state.tokensIssued == 3)
        }
    }

    @Test func stopsCreatingAtMaxTotalCost() async throws {
        try await withContext(StandInConfiguration(maximumTotalCost: 3)) { context in
            let user = TestServices.uniqueTwitchUserID()
            _ = try TestServices.addCreator(company: context.company, twitchUserID: user, linked: false)
            let renewer = context.renewer(users: [user])
            let first = try await renewer.run()
            #expect(first.created == 3)
            #expect(first.skippedForCost == 2)
            #expect(first.writeCalls == 3)
            #expect(context.ours.count == 3)
            // Still no room: nothing is attempted.
            let second = try await renewer.run()
            #expect(second.skippedForCost == 2)
            #expect(second.writeCalls == 0)
        }
    }

    @Test func configurationComesFromTheEnvironment() async throws {
        let complete: [String: String] = [
            "TWITCH_CLIENT_ID": "id", "TWITCH_CLIENT_SECRET": "secret", "TWITCH_API_BASE_URL": "http://127.0.0.1:9/helix/",
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "EVENTSUB_CALLBACK_URL": "https://example.com/webhooks/twitch",
            "TWITCH_EVENTSUB_SECRET": "0123456789abcdef",
        ]
        let renewer = try SubscriptionRenewer.fromEnvironment(.init(complete), logger: Fixture.quietLogger("config"))
        #expect(renewer.callbackURL == "https://example.com/webhooks/twitch")
        #expect(renewer.helix.configuration.apiBaseURL == "http://127.0.0.1:9/helix")
        #expect(renewer.helix.configuration.authBaseURL == HelixConfiguration.twitchAuthBaseURL)
        await renewer.shutdown()
        for missing in ["TWITCH_CLIENT_ID", "DATABASE_URL", "EVENTSUB_CALLBACK_URL", "TWITCH_EVENTSUB_SECRET"] {
            var values = complete
            values[missing] = nil
            #expect(throws: (any Error).self) { try SubscriptionRenewer.fromEnvironment(.init(values), logger: Fixture.quietLogger("config")) }
        }
        var shortSecret = complete
        shortSecret["TWITCH_EVENTSUB_SECRET"] = "short"
        #expect(throws: (any Error).self) { try SubscriptionRenewer.fromEnvironment(.init(shortSecret), logger: Fixture.quietLogger("config")) }
    }
}
