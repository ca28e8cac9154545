import EventSub
import MarkupEscaping

/// The pages a creator sees: what an agency asks for, and how the linking ended. The creator has
/// no account here, so every page says plainly what happened and what to do next. Every piece of
/// agency, creator or Twitch text is escaped.
enum LinkPages {
    private static func escape(_ text: String) -> String { Markup.escape(text) }

    /// Plain words for what each type shares with the agency.
    static let descriptions: [String: String] = [
        "channel.follow": "new followers", "channel.subscribe": "new subscriptions",
        "channel.subscription.gift": "gifted subscriptions", "channel.subscription.message": "resubscription messages",
        "channel.cheer": "cheers (Bits)", "channel.hype_train.begin": "hype trains starting", "channel.hype_train.end": "hype trains ending",
        "channel.chat.message": "your chat messages",
    ]

    static func consent(agency: String, creatorLogin: String, creatorName: String, eventTypes: [String], scopes: [String],
                        expiresAt: String, authorizeURL: String) -> String {
        let items = eventTypes.map { "<li>\(escape(descriptions[$0] ?? $0)) <span class=\"muted\">(\(escape($0)))</span></li>" }.joined()
        let scopeList = scopes.map { "<code>\(escape($0))</code>" }.joined(separator: ", ")
        return Markup.page(title: "Connect your Twitch account", body: """
            <p><strong id="agency">\(escape(agency))</strong> asks you, <strong id="creator">\(escape(creatorName))</strong> \
            (<code>\(escape(creatorLogin))</code> on Twitch), to let Creator Control Room receive these events of your channel for them:</p>
            <ul id="event-types">\(items)</ul>
            <p class="muted">Twitch will ask you to grant: <span id="scopes">\(scopeList)</span>. Nothing else is requested; \
            you can disconnect at any time in your Twitch settings (Connections).</p>
            <a class="button" id="authorize" href="\(escape(authorizeURL))">Continue to Twitch</a>
            <p class="muted">Sign in to Twitch as <code>\(escape(creatorLogin))</code>. This link works once, until \(escape(expiresAt)).</p>
            """)
    }

    static func linked(agency: String, eventTypes: [String]) -> String {
        let items = eventTypes.map { "<li>\(escape(descriptions[$0] ?? $0))</li>" }.joined()
        return Markup.page(title: "Your Twitch account is connected", body: """
            <p id="result" data-outcome="linked"><strong>\(escape(agency))</strong> now receives:</p><ul>\(items)</ul>
            <p class="muted">You can close this tab. To disconnect, remove Creator Control Room in your Twitch settings (Connections).</p>
            """)
    }

    /// A link that cannot go on: why, and what to do (nothing was stored).
    static func failure(_ title: String, _ message: String, outcome: String) -> String {
        Markup.page(title: title, body: """
            <p class="error" id="result" data-outcome="\(escape(outcome))">\(escape(message))</p>
            <p class="muted">Nothing was stored. Ask your agency for a new link if you want to connect.</p>
            """)
    }
}
