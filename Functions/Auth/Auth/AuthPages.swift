import MarkupEscaping
import URLEncoding

/// The few HTML pages of sign-in: the provider list, the company choice, and errors. Plain
/// server-rendered forms that work without script; every piece of user or provider text is
/// escaped (names, emails, company names, messages).
enum AuthPages {
    static func escape(_ text: String) -> String { Markup.escape(text) }

    static func page(title: String, body: String) -> String { Markup.page(title: title, body: body) }

    static func signIn(providers: [(id: String, name: String)], returnTo: String, invitation: String?) -> String {
        var query = "returnTo=" + PercentEncoding.encode(returnTo, keepingSlashes: true)
        if let invitation { query += "&invitation=" + PercentEncoding.encode(invitation) }
        let links = providers.map { provider in
            "<a class=\"button\" id=\"provider-\(escape(provider.id))\" href=\"/auth/login/\(escape(provider.id))?\(escape(query))\">Sign in with \(escape(provider.name))</a>"
        }.joined(separator: "\n")
        let note = invitation == nil ? "Sign in with your agency's account."
            : "You were invited: sign in with the account of the email address the invitation was sent to."
        return page(title: "Sign in", body: links + "\n<p class=\"muted\">\(escape(note))</p>")
    }

    static func chooseCompany(_ companies: [(id: String, name: String, role: String)], csrf: String) -> String {
        let buttons = companies.map { company in
            """
            <form method="post" action="/auth/switch"><input type="hidden" name="csrf" value="\(escape(csrf))">\
            <input type="hidden" name="company" value="\(escape(company.id))">\
            <button type="submit" class="company">\(escape(company.name)) <span class="muted">(\(escape(company.role)))</span></button></form>
            """
        }.joined(separator: "\n")
        return page(title: "Choose a company", body: buttons)
    }

    static func error(title: String, message: String) -> String {
        page(title: title, body: "<p class=\"error\" id=\"error\">\(escape(message))</p><p><a class=\"button\" href=\"/auth/login\">Back to sign-in</a></p>")
    }
}
