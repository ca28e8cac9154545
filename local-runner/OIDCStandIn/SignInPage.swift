import JSONValue

/// The account chooser shown at `/authorize`: one button per test user. Each button is its own
/// form that posts the original request back with the chosen `sub`, so it works without
/// JavaScript, and the POST repeats every check.
enum SignInPage {
    static func render(request: AuthorizationRequest, users: [OIDCStandInUser], action: String) -> String {
        let hidden = request.parameters.nonEmptyItems
            .filter { !["sub", "deny"].contains($0.name) }
            .map { "<input type=\"hidden\" name=\"\(HTMLPage.escape($0.name))\" value=\"\(HTMLPage.escape($0.value))\">" }
            .joined(separator: "\n")
        var hinted = false
        var forms: [String] = []
        for user in users {
            // login_hint may name the account by sub or by email (OIDC Core §3.1.2.1).
            let isHinted = !hinted && request.loginHint.map { $0 == user.sub || $0 == user.email } == true
            hinted = hinted || isHinted
            let email = user.email ?? ""
            let unverified = user.claims["email_verified"]?.boolValue == false ? " <span class=\"unverified\">(email not verified)</span>" : ""
            forms.append("""
                <form method="post" action="\(HTMLPage.escape(action))"\(isHinted ? " class=\"hint\"" : "")>
                \(hidden)
                <input type="hidden" name="sub" value="\(HTMLPage.escape(user.sub))">
                <button type="submit"\(isHinted ? " autofocus" : "")><strong>\(HTMLPage.escape(user.name ?? user.sub))</strong>\(unverified) <span class="email">\(HTMLPage.escape(email))</span></button>
                </form>
                """)
        }
        let cancel = """
            <form method="post" action="\(HTMLPage.escape(action))">
            \(hidden)
            <input type="hidden" name="deny" value="1">
            <button type="submit" class="cancel">Cancel</button>
            </form>
            """
        return HTMLPage.document(title: "Sign in", body: """
            <h1>Sign in to \(HTMLPage.escape(request.clientID))</h1>
            <p class="note">OIDC stand-in: choose a test account. No password is asked.</p>
            \(forms.joined(separator: "\n"))
            \(cancel)
            """)
    }
}
