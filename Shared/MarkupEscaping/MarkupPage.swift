extension Markup {
    /// The one page shell of the server-rendered pages (sign-in, creator linking): a small dark
    /// card, no script. `title` is escaped here; `body` is HTML the caller built with `escape`.
    public static func page(title: String, body: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Creator Control Room</title>
        <style>
        body{font:16px/1.5 system-ui,sans-serif;background:#0f1115;color:#e6e6e6;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
        main{background:#181b22;border:1px solid #2a2f3a;border-radius:10px;padding:28px 32px;min-width:320px;max-width:440px}
        h1{font-size:20px;margin:0 0 16px}a.button,button{display:block;width:100%;box-sizing:border-box;margin:8px 0;padding:10px 14px;
        border-radius:6px;border:1px solid #3b82f6;background:#1e293b;color:#e6e6e6;font:inherit;text-align:left;cursor:pointer;text-decoration:none}
        a.button:hover,button:hover{background:#25324a}.muted{color:#9aa3b2;font-size:14px}.error{color:#fca5a5}
        ul{padding-left:20px}code{color:#93c5fd}
        </style></head><body><main><h1>\(escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }
}
