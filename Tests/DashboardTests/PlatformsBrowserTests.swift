import Files
import JSONValue
import LocalRunner
import TestSupport
import Testing

extension DashboardSuites {
    /// YouTube, Rumble and Twitch creators live side by side on the grid (issue 17), in headless
    /// Chromium against the whole system (`ccr-local up`: the router, `creators`, `youtube-webhook`,
    /// the `youtube-subscriptions`, `youtube-status` and `rumble-status` job workers, and the YouTube,
    /// Rumble and Twitch stand-ins). Nothing is faked on the product's side:
    /// - a YouTube-only and a Rumble-only creator are added through the REST API (a channel URL; the
    ///   Rumble channel's livestream API URL from the stand-in), and alice adds a YouTube channel to a
    ///   Twitch creator from the Creators page ("Add channel"; a bad reference shows the API's error);
    /// - `youtube-subscriptions` subscribes them at the stand-in's hub (verification of intent
    ///   through `/webhooks/youtube/<channel>`); the stand-in's broadcasts go live and its hub pushes
    ///   signed Atom entries; `rumble-status` polls the stand-in's livestream API; a Twitch creator
    ///   goes live by a signed EventSub notification (and at the Twitch stand-in, for reconciliation);
    /// - every tile shows live with its platform badges, the feed names the platform of each row, a
    ///   hostile YouTube channel name and stream title are text, and there are no CSP violations.
    /// The YouTube push → tile latency (the go-live control call at the stand-in until the tile
    /// shows the channel live in the page) is printed for two go-lives.
    /// Skipped (visibly) without Chromium/Selenium; under CI=true that is a failure
    /// (`CreatorLinkBrowserPrerequisites`).
    @Suite(.enabled(if: BrowserScript.available, "needs python3 + selenium and Debian's chromium/chromium-driver"))
    struct PlatformsBrowserTests {
        @Test func youTubeRumbleAndTwitchLiveOnTheGrid() async throws {
            let system = try await LocalSystem.start(label: "platforms")
            do {
                let setup = try await SignInBrowserTests.agencies(system)
                var config = SignInBrowserTests.config(system, scenario: "platforms", setup).objectValue ?? [:]
                for (key, name) in [("youtubeStandInUrl", "YOUTUBE_STAND_IN_URL"), ("rumbleStandInUrl", "RUMBLE_STAND_IN_URL"),
                                    ("twitchStandInUrl", "TWITCH_STAND_IN_URL")] {
                    config[key] = .string(try #require(system.runtime[name], "runtime.env has no \(name) (local-runner starts the stand-ins)"))
                }
                // A Twitch creator of Northwind goes live by a signed EventSub notification.
                let twitch = setup.a.creators[1]
                config["twitchCreator"] = twitch.json
                config["twitchOnline"] = system.online(twitch)
                config["twitchTitle"] = system.titleChange(twitch, title: "Speedrun practice, any%", category: "Celeste")
                let jobsTable = system.root + "/infra/jobs.json"
                let enqueue: (String) -> @Sendable () async throws -> Void = { queue in
                    { _ = try await system.cli(["jobs", "enqueue", queue, "--jobs", jobsTable]) }
                }
                let script = try BrowserScript(script: "platforms_browser.py", config: .object(config))
                let records = await script.run(timeoutSeconds: 600, handlers: [
                    "enqueue-youtube-subscriptions": enqueue("youtube-subscriptions"),
                    "enqueue-rumble-status": enqueue("rumble-status"),
                ])
                let summary = BrowserScript.summarize(records, label: "platforms")
                for name in ["YouTube push → tile live (1st go-live)", "YouTube push → tile live (2nd go-live)"] {
                    let value = records.first { $0["type"]?.stringValue == "metric" && $0["name"]?.stringValue == name }?["value"]
                    print("platforms: \(name): " + (value.map { "\(JSONWriter.string($0)) ms" } ?? "not measured"))
                }
                if !summary.failures.isEmpty || !summary.finished { CreatorLinkBrowserTests.printLogs(system) }
                #expect(summary.finished, "the browser script did not finish:\n\(script.transcript.suffix(4000))")
                #expect(summary.failures.isEmpty, "\(summary.failures.joined(separator: "\n"))")
            } catch {
                CreatorLinkBrowserTests.printLogs(system)
                await system.stop()
                throw error
            }
            await system.stop()
        }
    }
}
