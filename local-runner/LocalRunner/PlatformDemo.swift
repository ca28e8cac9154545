import BlockingIO
import JSONValue
import JobQueue
import Postgres
import Redis
import StructuredLogging

/// `up --demo`, the other platforms: a YouTube creator (tracked by both demo agencies) and a
/// Rumble creator (Northwind's) added through the REST API as an agency adds them, with their
/// channels made on the local stand-ins; then both go live the way they do for real. YouTube: the
/// stand-in's hub pushes the new broadcast to `/webhooks/youtube/<channel>` (`youtube-webhook` →
/// `youtube-status` → ingest → rooms), once `youtube-subscriptions` (enqueued here once) has
/// subscribed; Rumble: `rumble-status` polls the channel's livestream API (enqueued once here, then
/// on its schedule). With DemoScript's Twitch creator that stays live, the grid shows the three
/// platforms live side by side.
///
/// Stand-ins keep their state in memory, so every start makes the channels again: the YouTube
/// channel with the same id (the product's row still names it; its hub subscription is gone with
/// the old stand-in, so the demo forgets the product's record of it and the job subscribes anew),
/// the Rumble account with a new key, so the creator's Rumble channel is added again with the new
/// livestream API URL.
struct PlatformDemo: Sendable {
    struct Agency: Sendable { let name: String; let id: String; let token: String }

    let runtime: RuntimeEnvironment
    let client: DemoClient
    let routerURL: String

    static let youtube = (channelID: "UCskylineStudioDemo00001", handle: "skylinestudio", name: "Skyline Studio",
                          title: "Modular synth jam: patching live", viewers: 1_280)
    static let rumble = (username: "prairie_live", channel: "PrairieLive", name: "Prairie Live",
                         title: "Storm chasing across Kansas", viewers: 342)
    /// How long the demo waits for the subscription and for both channels to show live.
    static let waitSeconds = 120.0

    /// `agencies[0]` gets both creators, the others the YouTube one.
    func run(agencies: [Agency]) async throws {
        guard let youtubeStandIn = runtime.youtubeStandInURL, let rumbleStandIn = runtime.rumbleStandInURL else {
            StandardOutput.line("demo: real YouTube/Rumble configured; add their channels from the dashboard (Creators → Add channel)")
            return
        }
        guard let home = agencies.first else { return }
        let made = try await client.send("POST", youtubeStandIn + "/_stand-in/channels",
                                         ["id": .string(Self.youtube.channelID), "handle": .string(Self.youtube.handle), "title": .string(Self.youtube.name)],
                                         accept: [201, 400])
        if made.status == 400, !(made.body["error"]?["message"]?.stringValue ?? "").contains("exists") {
            throw DemoClient.Failure(description: "the YouTube stand-in refused the demo channel: \(JSONWriter.string(made.body))")
        }
        let account = try await rumbleAccount(rumbleStandIn)
        guard let accountID = account["id"]?.stringValue, let apiURL = account["api_url"]?.stringValue else {
            throw DemoClient.Failure(description: "the Rumble stand-in's account has no id or api_url")
        }

        for agency in agencies {
            try await ensureCreator(in: agency, platform: "youtube", channelID: Self.youtube.channelID, body: [
                "displayName": .string(Self.youtube.name), "channel": .string("https://www.youtube.com/@" + Self.youtube.handle), "topics": ["music"],
            ])
        }
        try await ensureRumbleCreator(in: home, apiURL: apiURL)

        // The hub subscription first (the job subscribes every tracked YouTube channel), then live.
        try forgetSubscription(channelID: Self.youtube.channelID)
        try enqueue("youtube-subscriptions")
        let subscribed = await waitFor(Self.waitSeconds) {
            let answer = try await client.send("GET", youtubeStandIn + "/_stand-in/subscriptions")
            return (answer.body["subscriptions"]?.arrayValue ?? []).contains {
                $0["channel_id"]?.stringValue == Self.youtube.channelID && $0["active"]?.boolValue == true
            }
        }
        if !subscribed {
            StandardOutput.line("demo: no active WebSub subscription for \(Self.youtube.name) at the YouTube stand-in after \(Int(Self.waitSeconds)) s "
                                + "(youtube-subscriptions job); its go-live push reaches nobody")
        }
        let started = wallClockSeconds()
        _ = try await client.send("POST", youtubeStandIn + "/_stand-in/channels/\(Self.youtube.channelID)/live",
                                  ["title": .string(Self.youtube.title), "concurrent_viewers": .int(Int64(Self.youtube.viewers))], accept: [201])
        _ = try await client.send("POST", rumbleStandIn + "/_stand-in/accounts/\(accountID)/live",
                                  ["title": .string(Self.rumble.title), "watching_now": .int(Int64(Self.rumble.viewers))], accept: [200])
        try enqueue("rumble-status")
        StandardOutput.line("demo: \(Self.youtube.name) is live on YouTube and \(Self.rumble.name) on Rumble at the stand-ins")

        // What the dashboard will show: both channels live in the agency's creator list.
        var seen: [String: Double] = [:]
        _ = await waitFor(Self.waitSeconds) {
            let listed = try await client.send("GET", routerURL + "/api/creators", token: home.token)
            for creator in listed.body["data"]?.arrayValue ?? [] {
                for channel in creator["channels"]?.arrayValue ?? [] where channel["live"]?.boolValue == true {
                    if let platform = channel["platform"]?.stringValue, platform != "twitch", seen[platform] == nil {
                        seen[platform] = wallClockSeconds() - started
                    }
                }
            }
            return seen.count == 2
        }
        for platform in ["youtube", "rumble"] {
            if let seconds = seen[platform] {
                StandardOutput.line("demo: \(home.name) shows the \(platform) creator live (\((seconds * 10).rounded() / 10) s after going live)")
            } else {
                StandardOutput.line("demo: \(home.name) does not show the \(platform) creator live after \(Int(Self.waitSeconds)) s; see local-runner/run jobs stats")
            }
        }
    }

    /// The Rumble stand-in's demo account (made on this start, or found when it exists).
    private func rumbleAccount(_ standIn: String) async throws -> JSONValue {
        let made = try await client.send("POST", standIn + "/_stand-in/accounts",
                                         ["username": .string(Self.rumble.username), "channel_name": .string(Self.rumble.channel)], accept: [201, 400])
        if made.status == 201 { return made.body }
        let listed = try await client.send("GET", standIn + "/_stand-in/accounts")
        guard let account = (listed.body["accounts"]?.arrayValue ?? []).first(where: { $0["channel_name"]?.stringValue == Self.rumble.channel }) else {
            throw DemoClient.Failure(description: "the Rumble stand-in refused the demo account: \(JSONWriter.string(made.body))")
        }
        return account
    }

    /// The agency's creator with that channel: found in its list, else added (`POST /api/creators`).
    @discardableResult
    private func ensureCreator(in agency: Agency, platform: String, channelID: String, body: JSONValue) async throws -> String {
        if let found = try await creator(in: agency, platform: platform, channelID: channelID) { return found.creatorID }
        let created = try await client.send("POST", routerURL + "/api/creators", body, token: agency.token, accept: [201])
        guard let id = created.body["id"]?.stringValue else { throw DemoClient.Failure(description: "no creator id in the answer") }
        StandardOutput.line("demo: \(agency.name) tracks \(body["displayName"]?.stringValue ?? id) on \(platform)")
        return id
    }

    /// The Rumble creator with this start's livestream API URL: a channel added on an earlier start
    /// carries the stand-in's old key, so it is removed and added again.
    private func ensureRumbleCreator(in agency: Agency, apiURL: String) async throws {
        let reference = "https://rumble.com/c/" + Self.rumble.channel
        guard let found = try await creator(in: agency, platform: "rumble", channelID: Self.rumble.channel) else {
            try await ensureCreator(in: agency, platform: "rumble", channelID: Self.rumble.channel, body: [
                "displayName": .string(Self.rumble.name), "channel": .string(reference), "apiUrl": .string(apiURL), "topics": ["outdoors"],
            ])
            return
        }
        let creatorPath = routerURL + "/api/creators/" + found.creatorID
        let removed = try await client.send("DELETE", creatorPath + "/channels/" + found.channelRowID, token: agency.token, accept: [204, 409, 422])
        if removed.status == 204 {
            _ = try await client.send("POST", creatorPath + "/channels", ["channel": .string(reference), "apiUrl": .string(apiURL)],
                                      token: agency.token, accept: [201])
        } else {
            // The API keeps a creator's last channel: add the creator again instead.
            _ = try await client.send("DELETE", creatorPath, token: agency.token, accept: [204])
            try await ensureCreator(in: agency, platform: "rumble", channelID: Self.rumble.channel, body: [
                "displayName": .string(Self.rumble.name), "channel": .string(reference), "apiUrl": .string(apiURL), "topics": ["outdoors"],
            ])
        }
    }

    private func creator(in agency: Agency, platform: String, channelID: String) async throws -> (creatorID: String, channelRowID: String)? {
        let listed = try await client.send("GET", routerURL + "/api/creators", token: agency.token)
        for creator in listed.body["data"]?.arrayValue ?? [] {
            for channel in creator["channels"]?.arrayValue ?? []
            where channel["platform"]?.stringValue == platform && channel["channelId"]?.stringValue?.lowercased() == channelID.lowercased() {
                if let id = creator["id"]?.stringValue, let row = channel["id"]?.stringValue { return (id, row) }
            }
        }
        return nil
    }

    /// The product's record of the demo channel's WebSub subscription, from an earlier start: the
    /// stand-in that verified it is gone (or the scheduled run asked this start's stand-in before
    /// the demo made the channel, and was denied). Without it the job subscribes as for a new channel.
    private func forgetSubscription(channelID: String) throws {
        let connection = try PostgresConnection(url: runtime.databaseAdminURL)
        _ = try connection.query("DELETE FROM websub_subscriptions WHERE channel_id = $1", [channelID])
    }

    /// A scheduled job's run now (what `local-runner/run jobs enqueue QUEUE` does).
    private func enqueue(_ queue: String) throws {
        let connection = try RedisConnection(url: try RedisURL(parsing: runtime.redisURL))
        _ = try JobQueue(name: queue).enqueue(["manual": true], on: connection)
    }

    /// Polls `condition` every half second until it holds or `seconds` pass; errors count as "not yet".
    private func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = wallClockSeconds() + seconds
        while wallClockSeconds() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(nanoseconds: 500_000_000)
        }
        return false
    }
}
