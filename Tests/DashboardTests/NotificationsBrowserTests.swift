import JSONValue
import LocalRunner
import TestSupport
import Testing

extension DashboardSuites {
    /// The notifications admin page (issue 15) in headless Chromium against the whole system
    /// (`ccr-local up`: the router, the `notifications` function, the `notify` job worker and the
    /// Discord stand-in): alice (owner) creates a Discord destination pointing at a stand-in
    /// webhook, previews it (the rendered embed title), sends a test and sees it `delivered` in
    /// the delivery log while the stand-in received exactly one message; a destination whose name
    /// and template carry markup is shown as text and deleted from the page. Skipped (visibly)
    /// without Chromium/Selenium; under CI=true that is a failure (`CreatorLinkBrowserPrerequisites`).
    @Suite(.enabled(if: BrowserScript.available, "needs python3 + selenium and Debian's chromium/chromium-driver"))
    struct NotificationsBrowserTests {
        @Test func createPreviewTestSendAndDeliveryLog() async throws {
            let system = try await LocalSystem.start(label: "notifications")
            do {
                let setup = try await SignInBrowserTests.agencies(system)
                var config = SignInBrowserTests.config(system, scenario: "notifications", setup).objectValue ?? [:]
                config["discordStandInUrl"] = .string(try #require(system.runtime["DISCORD_STAND_IN_URL"], "runtime.env has no DISCORD_STAND_IN_URL"))
                let script = try BrowserScript(script: "notifications_browser.py", config: .object(config))
                let records = await script.run(timeoutSeconds: 300)
                let summary = BrowserScript.summarize(records, label: "notifications")
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
