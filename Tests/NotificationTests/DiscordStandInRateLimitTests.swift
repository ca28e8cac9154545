import BlockingIO
import DiscordStandIn
import JSONValue
import Testing

/// Discord's rate limits as the stand-in enforces them: the `X-RateLimit-*` headers count down
/// and reset, 429s carry `retry_after` and the scope, waiting it out succeeds, and retrying early
/// is counted as hammering. Windows are short so the tests wait little.
@Suite struct DiscordStandInRateLimitTests {
    @Test func headersCountDownAnd429UntilTheWindowResets() async throws {
        // Each run of requests must land in one fixed window even on a loaded machine: with 1.5 s,
        // a window that ended between the third request and the fourth let the fourth pass.
        let window = 4.0
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 3, webhookWindowSeconds: window)) { standIn in
            let webhook = standIn.state.createWebhook()
            let other = standIn.state.createWebhook()
            let before = wallClockSeconds()
            var buckets: Set<String> = []
            var resets: Set<String> = []
            for expected in [2, 1, 0] {
                let reply = try await standIn.execute(webhook, content: "m\(expected)")
                #expect(reply.status == 204)
                #expect(reply.header("x-ratelimit-limit") == "3")
                #expect(reply.header("x-ratelimit-remaining") == String(expected))
                let resetAfter = try #require(reply.double("x-ratelimit-reset-after"))
                #expect(resetAfter > 0 && resetAfter <= window)
                #expect(reply.header("x-ratelimit-reset-after")?.split(separator: ".").last?.count == 3, "decimals")
                let reset = try #require(reply.double("x-ratelimit-reset"))
                #expect(reset > before && reset <= wallClockSeconds() + window + 0.01, "epoch seconds of the window's end")
                buckets.insert(try #require(reply.header("x-ratelimit-bucket")))
                resets.insert(try #require(reply.header("x-ratelimit-reset")))
                #expect(reply.header("x-ratelimit-scope") == nil && reply.header("retry-after") == nil, "429 only")
            }
            #expect(buckets.count == 1 && resets.count == 1, "one bucket, one window")
            let otherReply = try await standIn.execute(other, content: "elsewhere")
            #expect(otherReply.status == 204 && otherReply.header("x-ratelimit-remaining") == "2", "buckets are per webhook")
            #expect(otherReply.header("x-ratelimit-bucket") != buckets.first)

            let limited = try await standIn.execute(webhook, content: "too many")
            #expect(limited.status == 429)
            #expect(limited.json["message"] == "You are being rate limited." && limited.json["global"] == false)
            let retryAfter = try #require(limited.json["retry_after"]?.standInNumber)
            #expect(retryAfter > 0 && retryAfter <= window)
            #expect(limited.header("retry-after") == String(Int(retryAfter.rounded(.up))), "whole seconds")
            #expect(limited.header("x-ratelimit-scope") == "user")
            #expect(limited.header("x-ratelimit-global") == nil)
            #expect(limited.header("x-ratelimit-remaining") == "0")
            var counters = standIn.state.counters(webhookID: webhook.id)
            #expect(counters.rateLimited == 1 && counters.hammering == 0, "running into the limit once is not hammering")

            // A polite sender waits retry_after; the window has reset.
            try await discordStandInSleep(retryAfter)
            let after = try await standIn.execute(webhook, content: "after waiting")
            #expect(after.status == 204 && after.header("x-ratelimit-remaining") == "2")
            #expect(after.header("x-ratelimit-reset") != resets.first)

            // An impolite one retries at once after a 429: counted.
            _ = try await standIn.execute(webhook, content: "fill 1")
            _ = try await standIn.execute(webhook, content: "fill 2")
            let second429 = try await standIn.execute(webhook, content: "limited")
            #expect(second429.status == 429)
            let early = try await standIn.execute(webhook, content: "hammer")
            #expect(early.status == 429 && early.json["retry_after"]?.standInNumber ?? 0 <= second429.json["retry_after"]?.standInNumber ?? 0)
            counters = standIn.state.counters(webhookID: webhook.id)
            #expect(counters.rateLimited == 3 && counters.hammering == 1 && counters.requests == 9 && counters.accepted == 6)
            #expect(standIn.state.totals.discord.hammering == 1)
            #expect(standIn.state.messages(webhookID: webhook.id).map(\.content) == ["m2", "m1", "m0", "after waiting", "fill 1", "fill 2"])
        }
    }

    @Test func theGlobalLimitSpansWebhooks() async throws {
        // A 3 s window: five requests in a row must land in one fixed window even on a loaded
        // machine (with 1 s, a window boundary between them made the fifth pass now and then).
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 10, globalLimit: 4, globalWindowSeconds: 3)) { standIn in
            let webhooks = (0..<4).map { standIn.state.createWebhook(name: "w\($0)") }
            for webhook in webhooks { #expect(try await standIn.execute(webhook, content: "ok").status == 204) }
            let extra = standIn.state.createWebhook(name: "fifth")
            let limited = try await standIn.execute(extra, content: "over")
            #expect(limited.status == 429)
            #expect(limited.json["global"] == true && limited.json["message"] == "You are being rate limited.")
            #expect(limited.header("x-ratelimit-global") == "true" && limited.header("x-ratelimit-scope") == "global")
            let retryAfter = try #require(limited.json["retry_after"]?.standInNumber)
            #expect(retryAfter > 0 && retryAfter <= 3)
            // Any webhook before the global window ends is hammering.
            let early = try await standIn.execute(webhooks[0], content: "early")
            #expect(early.status == 429 && early.json["global"] == true)
            #expect(standIn.state.counters(webhookID: webhooks[0].id).hammering == 1)
            #expect(standIn.state.counters(webhookID: extra.id).hammering == 0)
            try await discordStandInSleep(retryAfter)
            #expect(try await standIn.execute(extra, content: "later").status == 204)
            #expect(standIn.state.totals.discord.rateLimited == 2)
        }
    }

    @Test func forcedAnswersComeInOrder() async throws {
        try await DiscordStandInFixture.with(DiscordStandInConfiguration(webhookLimit: 100)) { standIn in
            let webhook = standIn.state.createWebhook()
            standIn.state.force([.rateLimited(retryAfterSeconds: 0.4), .status(502), .status(500), .delay(seconds: 0.3), .timeout(seconds: 0.2),
                                 .rateLimited(retryAfterSeconds: 0.2, global: true)], webhookID: webhook.id)
            let limited = try await standIn.execute(webhook, content: "1")
            #expect(limited.status == 429 && limited.json["retry_after"]?.standInNumber == 0.4 && limited.json["global"] == false)
            #expect(limited.header("x-ratelimit-remaining") == "0" && limited.header("x-ratelimit-reset-after") == "0.400")
            #expect(try await standIn.execute(webhook, content: "early").status == 429)
            #expect(standIn.state.counters(webhookID: webhook.id).hammering == 1)
            try await discordStandInSleep(0.4)
            let badGateway = try await standIn.execute(webhook, content: "2")
            #expect(badGateway.status == 502 && badGateway.json["code"] == 0)
            #expect(try await standIn.execute(webhook, content: "3").status == 500)
            let delayed = try await standIn.execute(webhook, content: "delayed but kept")
            #expect(delayed.status == 204 && delayed.seconds >= 0.3)
            let timedOut = try await standIn.execute(webhook, content: "lost")
            #expect(timedOut.status == 504 && timedOut.seconds >= 0.2)
            let global = try await standIn.execute(webhook, content: "global")
            #expect(global.status == 429 && global.json["global"] == true && global.header("x-ratelimit-global") == "true")
            try await discordStandInSleep(0.2)
            #expect(try await standIn.execute(webhook, content: "normal again").status == 204)
            #expect(standIn.state.messages(webhookID: webhook.id).map(\.content) == ["delayed but kept", "normal again"])
            let counters = standIn.state.counters(webhookID: webhook.id)
            #expect(counters.forcedFailures == 3 && counters.rateLimited == 3 && counters.hammering == 1)
        }
    }
}
