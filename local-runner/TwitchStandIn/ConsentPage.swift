import MarkupEscaping
/// The page `/oauth2/authorize` shows: which client asks for which scopes, a field for the login
/// of the stand-in user who signs in, and Authorize / Cancel. One form posting back to
/// `/oauth2/authorize` (no JavaScript), so a browser test can fill `#login` and click
/// `#authorize` or `#cancel`; the POST repeats every check of the GET.
enum ConsentPage {
    /// No scripts, no framing (clickjacking the Authorize button), no outside resources. No
    /// `form-action`: browsers apply it to the redirect after the POST, which goes to the client.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
    ]

    static func render(request: AuthorizeRequest, knownLogins: [String], login: String = "", problem: String? = nil) -> String {
        let hidden = request.formFields
            .map { "<input type=\"hidden\" name=\"\(escape($0.0))\" value=\"\(escape($0.1))\">" }
            .joined(separator: "\n")
        let scopes = request.scopes.map { "<li><code>\(escape($0))</code></li>" }.joined(separator: "\n")
        let options = knownLogins.map { "<option value=\"\(escape($0))\">" }.joined()
        let problemText = problem.map { "<p class=\"problem\" id=\"problem\">\(escape($0))</p>" } ?? ""
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Authorize \(escape(request.clientID))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 30rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
            h1 { font-size: 1.3rem; }
            p.note { color: #555; font-size: .9rem; }
            p.problem { color: #a51d2d; }
            label { display: block; margin: 1rem 0 .3rem; }
            input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
            .buttons { display: flex; gap: .5rem; margin-top: 1rem; }
            button { flex: 1; padding: .6rem; font: inherit; border: 1px solid #bbb; border-radius: 6px; background: #fff; cursor: pointer; }
            button#authorize { background: #9147ff; border-color: #9147ff; color: #fff; }
            </style>
            </head>
            <body>
            <h1><span id="client">\(escape(request.clientID))</span> wants to access your account</h1>
            <p class="note">Twitch stand-in: no password is asked. Redirects to <code id="redirect-uri">\(escape(request.redirectURI))</code>.</p>
            <p>It asks for these permissions:</p>
            <ul id="scopes">
            \(scopes)
            </ul>
            \(problemText)
            <form method="post" action="/oauth2/authorize">
            \(hidden)
            <label for="login">Sign in as (stand-in user login)</label>
            <input type="text" id="login" name="login" list="known-logins" value="\(escape(login))" autocomplete="off" required>
            <datalist id="known-logins">\(options)</datalist>
            <div class="buttons">
            <button type="submit" id="cancel" name="decision" value="deny" formnovalidate>Cancel</button>
            <button type="submit" id="authorize" name="decision" value="approve">Authorize</button>
            </div>
            </form>
            </body>
            </html>

            """
    }

    /// Text for HTML element content and double- or single-quoted attribute values.
    static func escape(_ text: String) -> String { Markup.escape(text) }
}
