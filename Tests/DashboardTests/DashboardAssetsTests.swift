import Files
import BlockingIO
import Dashboard
import Hummingbird
import LocalRunner
import Logging
import Processes
import Router
import TestSupport
import FunctionServer
import Settings
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension DashboardSuites {
    /// Serving the dashboard's static files: content types, the Content-Security-Policy, cache
    /// headers and ETags, and that nothing outside the loaded files can be reached.
    @Suite struct DashboardAssetsTests {
        static let sample: DashboardAssets = {
            var files: [String: DashboardAssets.Asset] = [:]
            for (path, text) in [("index.html", "<!doctype html><title>x</title>"), ("app.js", "export {};"), ("app.css", "body{}"),
                                 ("img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"), ("data.json", "{}"), ("logo.png", "PNG")] {
                files[path] = DashboardAssets.asset(path: path, bytes: Array(text.utf8))
            }
            return DashboardAssets(assets: files, imageOrigins: ["https://bucket.s3.example.com"],
                                   connectOrigins: DashboardAssets.connectOrigins(forRelayURL: "http://127.0.0.1:8081"))
        }()

        func get(_ path: String, ifNoneMatch: String? = nil, method: String = "GET") -> DashboardAssets.Reply {
            Self.sample.reply(method: method, path: path, ifNoneMatch: ifNoneMatch, config: { #"{"relayUrl":"http://127.0.0.1:8081","apiBase":""}"# })
        }

        @Test(arguments: [
            ("/", "text/html; charset=utf-8"), ("/dashboard/", "text/html; charset=utf-8"), ("/dashboard", "text/html; charset=utf-8"),
            ("/dashboard/index.html", "text/html; charset=utf-8"), ("/dashboard/app.js", "text/javascript; charset=utf-8"),
            ("/dashboard/app.css", "text/css; charset=utf-8"), ("/dashboard/img/logo.svg", "image/svg+xml"),
            ("/dashboard/data.json", "application/json; charset=utf-8"), ("/dashboard/logo.png", "image/png"),
            ("/dashboard/config.json", "application/json; charset=utf-8"),
        ])
        func contentTypes(path: String, type: String) {
            let reply = get(path)
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == type)
            #expect(reply.header("x-content-type-options") == "nosniff")
        }

        @Test func pageHasAStrictContentSecurityPolicy() {
            let reply = get("/")
            #expect(reply.header("content-security-policy") == "default-src 'self'; script-src 'self'; style-src 'self'; "
                + "img-src 'self' data: https://bucket.s3.example.com; connect-src 'self' http://127.0.0.1:8081 ws://127.0.0.1:8081; "
                + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
            #expect(reply.header("referrer-policy") == "no-referrer")
            #expect(reply.header("x-frame-options") == "DENY")
            #expect(reply.header("cache-control") == "no-cache")
            #expect(get("/dashboard/app.js").header("cache-control") == "max-age=300")
            #expect(get("/dashboard/app.js").header("content-security-policy") == nil)
        }

        @Test func originsThatCouldBreakThePolicyAreDropped() {
            let assets = DashboardAssets(assets: ["index.html": DashboardAssets.asset(path: "index.html", bytes: [])],
                                         imageOrigins: ["https://ok.example", "https://evil.example; script-src *", "'unsafe-inline'", ""],
                                         connectOrigins: ["wss://relay.example", "http://a.example,http://b.example"])
            #expect(assets.contentSecurityPolicy.contains("img-src 'self' data: https://ok.example; "))
            #expect(assets.contentSecurityPolicy.contains("connect-src 'self' wss://relay.example; "))
            #expect(!assets.contentSecurityPolicy.contains("evil"))
            #expect(DashboardAssets.connectOrigins(forRelayURL: "https://relay.example.com/some/path") == ["https://relay.example.com", "wss://relay.example.com"])
            #expect(DashboardAssets.origin(of: "javascript:alert(1)") == nil)
            #expect(DashboardAssets.origin(of: "http://user:pw@host") == nil)
        }

        @Test func etagsAndNotModified() {
            let first = get("/dashboard/app.js")
            let etag = first.header("etag")
            #expect(etag != nil && etag!.hasPrefix("\"") && etag!.hasSuffix("\""))
            let again = get("/dashboard/app.js", ifNoneMatch: etag)
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("etag") == etag)
            #expect(again.header("cache-control") == "max-age=300")
            #expect(get("/dashboard/app.js", ifNoneMatch: "W/" + etag!).status == 304)
            #expect(get("/dashboard/app.js", ifNoneMatch: "\"other\", " + etag!).status == 304)
            #expect(get("/dashboard/app.js", ifNoneMatch: "*").status == 304)
            #expect(get("/dashboard/app.js", ifNoneMatch: "\"stale\"").status == 200)
            // The page revalidates too (no-cache), and a 304 still carries its policy.
            let page = get("/", ifNoneMatch: get("/").header("etag"))
            #expect(page.status == 304)
            #expect(page.header("content-security-policy") != nil)
            // Different bytes, different tags.
            #expect(DashboardAssets.etag(for: Array("a".utf8)) != DashboardAssets.etag(for: Array("b".utf8)))
            #expect(DashboardAssets.etag(for: Array("ab".utf8)) != DashboardAssets.etag(for: Array("ba".utf8)))
        }

        @Test func configIsNeverCached() {
            let reply = get("/dashboard/config.json")
            #expect(String(decoding: reply.body, as: UTF8.self) == #"{"relayUrl":"http://127.0.0.1:8081","apiBase":""}"#)
            #expect(reply.header("cache-control") == "no-store")
            #expect(reply.header("etag") == nil)
            #expect(DashboardAssets.configJSON(relayURL: "http://h:1/\"</script>", apiBase: "")
                == #"{"relayUrl":"http://h:1/\"\u003c/script\u003e","apiBase":""}"#)
            #expect(DashboardAssets.configJSON(relayURL: nil) == #"{"relayUrl":null,"apiBase":""}"#)
        }

        @Test(arguments: [
            "/dashboard/../secrets.env", "/dashboard/%2e%2e/secrets.env", "/dashboard/..%2fsecrets.env", "/dashboard/%2E%2E%2Fsecrets.env",
            "/dashboard/img/../app.js", "/dashboard/./app.js", "/dashboard//app.js", "/dashboard/.env", "/dashboard/img/.hidden",
            "/dashboard/app.js%00.html", "/dashboard/..\\app.js", "/dashboard/%5c..%5capp.js", "/dashboard/%zz", "/etc/passwd",
            "/dashboardx/app.js", "/dashboard/missing.js", "/dashboard/img",
        ])
        func pathsOutsideTheLoadedFilesAreRefused(path: String) {
            #expect(get(path).status == 404, "\(path)")
        }

        @Test func onlyGetAndHead() {
            let post = get("/dashboard/app.js", method: "POST")
            #expect(post.status == 405)
            #expect(post.header("allow") == "GET, HEAD")
            let head = get("/dashboard/app.js", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
        }

        @Test func loadsADirectorySkippingLinksAndDotFiles() async throws {
            let directory = try FileSystem.temporaryDirectory(prefix: "ccr-dashboard-assets")
            try FileSystem.makeDirectories(directory + "/js")
            try FileSystem.writeText("<!doctype html>", to: directory + "/index.html")
            try FileSystem.writeText("export const x = 1;", to: directory + "/js/x.js")
            try FileSystem.writeText("SECRET=1", to: directory + "/.env")
            try FileSystem.writeText("outside", to: directory + "-outside.txt")
            symlink(directory + "-outside.txt", directory + "/link.txt")
            symlink("/etc", directory + "/etc")
            let assets = try DashboardAssets(directory: directory)
            #expect(Set(assets.assets.keys) == ["index.html", "js/x.js"])
            #expect(assets.reply(method: "GET", path: "/dashboard/link.txt", ifNoneMatch: nil, config: { "{}" }).status == 404)
            #expect(assets.reply(method: "GET", path: "/dashboard/etc/passwd", ifNoneMatch: nil, config: { "{}" }).status == 404)
            #expect(throws: DashboardAssets.LoadError.self) { try DashboardAssets(directory: directory + "/js") }
            _ = try await ChildProcess.run("/bin/rm", ["-rf", directory, directory + "-outside.txt"], environment: ["PATH": "/usr/bin:/bin"])
        }

        /// The real dashboard: every file the page references is there, the page has no inline
        /// script or style (the CSP would block it), and no script writes HTML from strings.
        @Test func theShippedDashboardFollowsItsOwnRules() throws {
            let directory = SharedResearch.repositoryRoot() + "/Functions/Dashboard/public"
            let assets = try DashboardAssets(directory: directory)
            for name in ["index.html", "app.css", "app.js", "socketio-client.js", "api.js", "store.js", "grid.js", "feed.js", "admin.js", "format.js", "alerts.js", "session.js", "account.js",
                         "invitations.js", "keys.js", "notifications.js", "channels.js", "creator-channels.js", "api-scopes.json"] {
                #expect(assets.assets[name] != nil, "\(name) missing")
            }
            let page = String(decoding: assets.assets["index.html"]!.bytes, as: UTF8.self)
            #expect(!page.contains("<style"), "no inline <style>")
            #expect(!page.contains(" style="), "no style attributes")
            #expect(!page.contains("javascript:"))
            for line in page.split(separator: "\n") where line.contains("<script") {
                #expect(line.contains(" src=\"/dashboard/") && line.contains("</script>"), "only external scripts: \(line)")
            }
            for attribute in [" onclick=", " onload=", " onerror=", " onsubmit=", " oninput=", " onchange="] {
                #expect(!page.contains(attribute), "no inline handlers: \(attribute)")
            }
            for (name, asset) in assets.assets where name.hasSuffix(".js") {
                let code = String(decoding: asset.bytes, as: UTF8.self)
                for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                    #expect(!code.contains(forbidden), "\(name) uses \(forbidden)")
                }
            }
        }

        /// The `dashboard` function configured from its environment, served over real HTTP, with
        /// a raw request line (no client normalizes `..` away).
        @Test func functionOverHTTP() async throws {
            let function = try DashboardFunction(environment: Environment([
                "DASHBOARD_DIRECTORY": SharedResearch.repositoryRoot() + "/Functions/Dashboard/public",
                "RELAY_PUBLIC_URL": "http://127.0.0.1:9",
            ]))
            let port = try Ports.freeLoopbackPort()
            var logger = Logger(label: "dashboard-function-test")
            logger.logLevel = .critical
            let server = Task { try await HTTPFunctionServer(function: function, logger: logger).run(host: "127.0.0.1", port: port) }
            defer { server.cancel() }
            for _ in 0..<500 where !Ports.isAccepting(port: port) { try await Task.sleep(nanoseconds: 10_000_000) }

            let page = try RawHTTP.request(port: port, "GET /dashboard/ HTTP/1.1")
            #expect(page.status == 200)
            #expect(page.headers["content-security-policy"]?.contains("connect-src 'self' http://127.0.0.1:9 ws://127.0.0.1:9") == true)
            #expect(page.body.contains("<script type=\"module\" src=\"/dashboard/app.js\"></script>"))
            let script = try RawHTTP.request(port: port, "GET /dashboard/socketio-client.js HTTP/1.1")
            #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
            let etag = try #require(script.headers["etag"])
            let cached = try RawHTTP.request(port: port, "GET /dashboard/socketio-client.js HTTP/1.1", headers: ["If-None-Match: \(etag)"])
            #expect(cached.status == 304)
            #expect(cached.body.isEmpty)
            let config = try RawHTTP.request(port: port, "GET /dashboard/config.json HTTP/1.1")
            #expect(config.body == #"{"relayUrl":"http://127.0.0.1:9","apiBase":""}"#)
            for attack in ["/dashboard/../../../../etc/passwd", "/dashboard/%2e%2e/%2e%2e/etc/passwd", "/dashboard/..%2f..%2fPackage.swift",
                           "/dashboard/../../Package.swift"] {
                let reply = try RawHTTP.request(port: port, "GET \(attack) HTTP/1.1")
                #expect(reply.status == 404, "\(attack) → \(reply.status)")
                #expect(!reply.body.contains("root:"), "\(attack)")
            }
        }
    }
}

/// A blocking HTTP/1.1 exchange over a plain socket, request line sent exactly as given.
enum RawHTTP {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    static func request(port: Int, _ requestLine: String, headers: [String] = []) throws -> Reply {
        let descriptor = try LoopbackSocket.connect(port: port)
        defer { close(descriptor) }
        let text = ([requestLine, "Host: 127.0.0.1:\(port)", "Connection: close"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
        _ = Array(text.utf8).withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        let response = String(decoding: bytes, as: UTF8.self)
        guard let split = response.firstRange(of: "\r\n\r\n") else { throw TestFailure("no HTTP response: \(response)") }
        let lines = response[..<split.lowerBound].split(separator: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Reply(status: status, headers: fields, body: String(response[split.upperBound...]))
    }
}
