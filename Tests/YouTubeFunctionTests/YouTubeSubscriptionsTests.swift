import Postgres
import TestSupport
import Testing
import WebSub
import YouTubeStandIn
import YouTubeSubscriptions

/// `youtube-subscriptions` against the hub stand-in: subscribe, renew before the lease ends,
/// unsubscribe what nobody tracks, and the hub's refusals and failures recorded.
@Suite struct YouTubeSubscriptionsTests {
    @Test func planRules() {
        let now = 1_000_000.0
        func row(_ status: String, lease: Int? = 432_000, expiresIn: Double? = 400_000, requestedAgo: Double = 10, updatedAgo: Double = 10) -> WebSubLeaseRow {
            WebSubLeaseRow(channelID: "UC" + status + String(repeating: "x", count: 22 - status.count), status: status, leaseSeconds: lease,
                           leaseExpiresAt: expiresIn.map { now + $0 }, requestedAt: now - requestedAgo, updatedAt: now - updatedAgo)
        }
        func plan(_ row: WebSubLeaseRow, tracked: Bool = true, options: SubscriptionPlan.Options = .init()) -> [SubscriptionPlan.Action] {
            SubscriptionPlan.actions(tracked: tracked ? [row.channelID] : [], rows: [row], now: now, options: options)
        }
        let id = row("verified").channelID
        #expect(SubscriptionPlan.actions(tracked: ["UCnewnewnewnewnewnewnewn"], rows: [], now: now) == [.subscribe(channelID: "UCnewnewnewnewnewnewnewn", reason: "new")])
        #expect(plan(row("verified")) == [])
        // A 5-day lease renews 12 hours before it ends; a 1-hour lease at half time.
        #expect(SubscriptionPlan.Options().renewalMargin(leaseSeconds: 432_000) == 43_200)
        #expect(SubscriptionPlan.Options().renewalMargin(leaseSeconds: 3_600) == 1_800)
        #expect(SubscriptionPlan.Options().renewalMargin(leaseSeconds: 30 * 86_400) == 86_400)
        #expect(plan(row("verified", expiresIn: 43_201)) == [])
        #expect(plan(row("verified", expiresIn: 43_199)) == [.subscribe(channelID: id, reason: "lease ends soon")])
        #expect(plan(row("verified", expiresIn: -5)) == [.subscribe(channelID: id, reason: "lease expired")])
        #expect(plan(row("verified", lease: nil, expiresIn: nil)) == [.subscribe(channelID: id, reason: "lease unknown")])
        let requested = row("requested", requestedAgo: 899)
        #expect(plan(requested) == [])
        #expect(plan(row("requested", requestedAgo: 900)) == [.subscribe(channelID: row("requested").channelID, reason: "not verified in time")])
        #expect(plan(row("denied", updatedAgo: 3_599)) == [])
        #expect(plan(row("denied", updatedAgo: 3_600)) == [.subscribe(channelID: row("denied").channelID, reason: "denied earlier")])
        #expect(plan(row("unsubscribing")) == [.subscribe(channelID: row("unsubscribing").channelID, reason: "tracked again")])
        // Nobody tracks it.
        #expect(plan(row("verified"), tracked: false) == [.unsubscribe(channelID: id, reason: "no longer tracked")])
        #expect(plan(row("requested"), tracked: false) == [.unsubscribe(channelID: row("requested").channelID, reason: "no longer tracked")])
        #expect(plan(row("denied"), tracked: false) == [.forget(channelID: row("denied").channelID)])
        #expect(plan(row("unsubscribing", requestedAgo: 10), tracked: false) == [])
        #expect(plan(row("unsubscribing", requestedAgo: 900), tracked: false)
            == [.unsubscribe(channelID: row("unsubscribing").channelID, reason: "not confirmed in time")])
    }

    @Test func subscribeRenewAndUnsubscribeAgainstTheHub() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube renewal")
            let kept = try world.channel("kept", trackedBy: [company])
            let dropped = try world.channel("dropped", trackedBy: [company])
            let reconciler = world.reconciler(channels: [kept.id, dropped.id])
            try await world.subscribe([kept.id, dropped.id])
            for channel in [kept.id, dropped.id] {
                let topic = YouTubeTopic.url(channelID: channel)
                let subscription = try #require(world.standIn.state.activeSubscriptions.first { $0.channelID == channel })
                #expect(subscription.callback == world.callbackBase + "/" + channel && subscription.topic == topic)
                // Signed with the per-topic secret: the pushes of the other tests verify against `WebSubSecrets`.
                #expect(subscription.hasSecret && subscription.leaseSeconds == 432_000)
            }
            // Nothing due: no request at all.
            let verifications = world.standIn.state.verifications.count
            #expect(try await reconciler.run() == {
                var report = YouTubeSubscriptionsReport()
                report.tracked = 2
                return report
            }())
            #expect(world.standIn.state.verifications.count == verifications)

            // The lease ends within the margin: renewed, verified again, a fresh 5 days.
            _ = try TestServices.superuserQuery("UPDATE websub_subscriptions SET lease_expires_at = now() + interval '1 hour' WHERE channel_id = $1", [kept.id])
            let renewal = try await reconciler.run()
            #expect(renewal.subscribed == 1 && renewal.unsubscribed == 0, "\(renewal)")
            #expect(await YouTubeWorld.eventually { ((try? YouTubeWorld.lease(kept.id))?.expiresIn ?? 0) > 400_000 })
            #expect(try YouTubeWorld.lease(kept.id)?.status == "verified")
            // (The stand-in records a verification once our answer is back.)
            #expect(await YouTubeWorld.eventually {
                world.standIn.state.verifications.filter { $0.topic == YouTubeTopic.url(channelID: kept.id) && $0.outcome == "verified" }.count == 2
            })

            // Nobody tracks `dropped` any more: unsubscribed, verified by the hub, the row gone.
            try YouTubeWorld.untrack(channelID: dropped.id, company: company)
            let cleanup = try await reconciler.run()
            #expect(cleanup.unsubscribed == 1 && cleanup.tracked == 1, "\(cleanup)")
            #expect(await YouTubeWorld.eventually { (try? TestServices.superuserQuery("SELECT 1 FROM websub_subscriptions WHERE channel_id = $1", [dropped.id]).isEmpty) == true })
            #expect(await YouTubeWorld.eventually { !world.standIn.state.activeSubscriptions.contains { $0.channelID == dropped.id } })
            #expect(world.standIn.state.verifications.last { $0.topic == YouTubeTopic.url(channelID: dropped.id) }?.mode == "unsubscribe")
            #expect(world.standIn.state.activeSubscriptions.contains { $0.channelID == kept.id })
        }
    }

    @Test func hubRefusalsAndFailuresAreRecorded() async throws {
        try await withYouTubeWorld { world in
            let company = try TestServices.makeCompany("YouTube hub refusals")
            let channel = try world.channel("refused", trackedBy: [company])

            // A 4xx: the request is refused, the row denied with the hub's words.
            let refused = try await world.reconciler(channels: [channel.id], hubURL: world.standInURL + "/not-the-hub").run()
            #expect(refused.refused == 1 && refused.subscribed == 0, "\(refused)")
            var lease = try #require(try YouTubeWorld.lease(channel.id))
            #expect(lease.status == "denied" && lease.lastError == "hub refused the subscribe (404): Not found")

            // Denied a moment ago: left alone, then asked again once the retry delay has passed.
            #expect(try await world.reconciler(channels: [channel.id]).run().subscribed == 0)
            let retried = try await world.reconciler(channels: [channel.id], plan: .init(deniedRetrySeconds: 0)).run()
            #expect(retried.subscribed == 1, "\(retried)")
            #expect(await YouTubeWorld.eventually { (try? YouTubeWorld.lease(channel.id))?.status == "verified" })

            // No answer at all: kept as requested with the error, sent again by a later run.
            _ = try TestServices.superuserQuery("UPDATE websub_subscriptions SET lease_expires_at = now() WHERE channel_id = $1", [channel.id])
            let failed = try await world.reconciler(channels: [channel.id], hubURL: "http://127.0.0.1:1/subscribe", hubTimeoutSeconds: 2).run()
            #expect(failed.failed == 1, "\(failed)")
            lease = try #require(try YouTubeWorld.lease(channel.id))
            #expect(lease.status == "requested" && lease.lastError?.hasPrefix("hub request failed") == true, "\(lease.lastError ?? "")")
        }
    }
}
