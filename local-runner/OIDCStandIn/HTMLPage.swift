import MarkupEscaping

/// The stand-in's few HTML pages: plain, readable without JavaScript (there is none), every
/// interpolated value escaped.
enum HTMLPage {
    /// No scripts, no framing (clickjacking a sign-in button), no outside resources.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]

    static func escape(_ text: String) -> String { Markup.escape(text) }

    /// A whole document around `body` (already HTML).
    static func document(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
        h1 { font-size: 1.4rem; }
        p.note { color: #555; font-size: .9rem; }
        form { margin: .5rem 0; }
        button { width: 100%; text-align: left; padding: .7rem 1rem; font: inherit; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; }
        button:hover, button:focus { border-color: #1a5fb4; outline: none; background: #f3f7fd; }
        .hint button { border: 2px solid #1a5fb4; }
        .email { display: block; color: #555; font-size: .9rem; }
        .unverified { color: #a51d2d; font-size: .8rem; }
        button.cancel { text-align: center; color: #555; }
        </style>
        </head>
        <body>
        \(body)
        </body>
        </html>

        """
    }

    /// The page for a request that cannot be answered with a redirect.
    static func error(_ message: String) -> String {
        document(title: "Sign-in error", body: """
            <h1>Sign-in error</h1>
            <p>\(escape(message))</p>
            <p class="note">OIDC stand-in: the request was not sent back to the application because its client or redirect URI could not be trusted.</p>
            """)
    }

    static func signedOut() -> String {
        document(title: "Signed out", body: "<h1>Signed out</h1>\n<p>You have been signed out of the OIDC stand-in.</p>")
    }
}
