// swift-tools-version:6.1
// Creator Control Room. Read this file top to bottom for the module graph:
// - Shared/X: a library named by what it does; depends only on other Shared modules.
// - Functions/X: one function: its logic in the library `X` (Functions/X/X, what tests import) and
//   a few lines of wiring in the executable named `x-y` (Functions/X/main). The same name is the
//   route table's / job table's function and the job queue's name.
// - local-runner/: runs the whole system on one machine (router, stand-ins, operator CLI,
//   benchmarks). Nothing in Functions/ or Shared/ depends on it (Tests/LayoutTests checks).
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    // The compiler keeps the manifest honest: a module uses only what it imports, and an import
    // is internal unless the module's public API exposes it (`public import`).
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// MARK: - Third-party products (exact versions below: two builds of one commit are the same)

let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let nioWebSocket = Target.Dependency.product(name: "NIOWebSocket", package: "swift-nio")
let nioLocks = Target.Dependency.product(name: "NIOConcurrencyHelpers", package: "swift-nio")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let cryptoExtras = Target.Dependency.product(name: "CryptoExtras", package: "swift-crypto")
let httpClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")

// MARK: - Target shapes

/// A library under Shared/.
func shared(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: dependencies, path: "Shared/\(name)", swiftSettings: swiftSettings)
}

/// A system C library under Shared/ (a module map over the Debian -dev package's headers).
func cLibrary(_ name: String, pkgConfig: String? = nil, apt: String, brew: String) -> Target {
    .systemLibrary(name: name, path: "Shared/\(name)", pkgConfig: pkgConfig, providers: [.apt([apt]), .brew([brew])])
}

/// A function: library `folder` (Functions/folder/folder) and executable `executable`
/// (Functions/folder/main). A function without logic of its own has no library.
func function(_ folder: String, executable: String, library: [Target.Dependency]?, main: [Target.Dependency]) -> [Target] {
    var targets: [Target] = [
        .executableTarget(
            name: executable, dependencies: (library == nil ? [] : [.target(name: folder)]) + main,
            path: "Functions/\(folder)/main", swiftSettings: swiftSettings),
    ]
    if let library {
        targets.append(.target(name: folder, dependencies: library, path: "Functions/\(folder)/\(folder)", swiftSettings: swiftSettings))
    }
    return targets
}

/// A library or executable under local-runner/.
func runner(_ name: String, _ dependencies: [Target.Dependency], executable: Bool = false) -> Target {
    executable
        ? .executableTarget(name: name, dependencies: dependencies, path: "local-runner/\(name)", swiftSettings: swiftSettings)
        : .target(name: name, dependencies: dependencies, path: "local-runner/\(name)", swiftSettings: swiftSettings)
}

func tests(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: "Tests/\(name)", exclude: exclude, swiftSettings: swiftSettings)
}

// MARK: - Shared

let sharedTargets: [Target] = [
    cLibrary("CLibPQ", pkgConfig: "libpq", apt: "libpq-dev", brew: "libpq"),
    cLibrary("CHiredis", apt: "libhiredis-dev", brew: "hiredis"),
    cLibrary("CZlib", apt: "zlib1g-dev", brew: "zlib"),
    shared("Settings"),
    shared("Files"),
    shared("JSONValue"),
    shared("URLEncoding"),
    shared("CivilTime"),
    shared("Base64Encoding"),
    shared("RandomBytes"),
    shared("StructuredLogging", ["JSONValue", "RandomBytes", logging, nioLocks]),
    shared("BlockingIO", [nioPosix]),
    shared("Postgres", ["CLibPQ", "BlockingIO", "Settings", logging, nioLocks]),
    shared("Redis", ["CHiredis", "BlockingIO", "Settings", logging, nioLocks]),
    shared("EventSub", ["JSONValue", "CivilTime", "RandomBytes", crypto]),
    shared("Rooms", ["JSONValue"]),
    shared("Migrations", ["Postgres"]),
    shared("Ingest", ["BlockingIO", "EventSub", "JSONValue", "JobQueue", "Postgres", "Redis", "Rooms", logging, nioLocks]),
    // The server-free core every executable uses; the HTTP adapter is FunctionServer.
    shared("FunctionRuntime", ["JSONValue", "Settings", "StructuredLogging", logging, serviceLifecycle, unixSignals]),
    shared("FunctionServer", ["FunctionRuntime", "JSONValue", "Settings", "StructuredLogging", "URLEncoding",
                              hummingbird, httpTypes, logging, nioCore, serviceLifecycle]),
    shared("JobQueue", ["BlockingIO", "FunctionRuntime", "JSONValue", "RandomBytes", "Redis", "Settings", logging, serviceLifecycle]),
    shared("AccessTokens", ["Base64Encoding", "BlockingIO", "Files", "JSONValue", "Settings", httpClient, crypto, cryptoExtras, logging, nioLocks, nioCore, nioHTTP1]),
    shared("ObjectStore", ["CivilTime", "RandomBytes", "URLEncoding", crypto]),
    // Secrets at rest (creators' OAuth tokens): AES-256-GCM under rotating keys from the environment.
    shared("SecretSealing", ["Base64Encoding", "Settings", crypto]),
    shared("TwitchAPI", ["BlockingIO", "JSONValue", "Settings", "URLEncoding", httpClient, logging, nioLocks, nioCore, nioHTTP1]),
    shared("MarkupEscaping"),
    shared("OpenIDConnect", ["Base64Encoding", "BlockingIO", "JSONValue", "RandomBytes", "URLEncoding", httpClient, crypto, cryptoExtras, nioLocks,
                             nioCore, nioHTTP1]),
    shared("Access", ["AccessTokens", "Base64Encoding", "BlockingIO", "JSONValue", "Postgres", "RandomBytes", crypto, cryptoExtras, nioLocks]),
    // The audit log: one row per change, in the change's own transaction.
    shared("Audit", ["JSONValue", "Postgres"]),
    shared("API", ["Access", "AccessTokens", "Audit", "BlockingIO", "FunctionRuntime", "FunctionServer", "JSONValue", "Postgres", "Redis", "Settings",
                   "URLEncoding", httpClient, logging]),
    // Creator linking: link requests (hashed single-use state), sealed tokens, resealing.
    shared("CreatorLinks", ["Base64Encoding", "Postgres", "RandomBytes", "SecretSealing", "TwitchAPI", crypto]),
    // HTTP to user-given URLs (notification destinations): SSRF-guarded at connect time.
    shared("OutboundHTTP", ["BlockingIO", "Settings", httpClient, nioLocks, nioCore, nioHTTP1, nioPosix]),
    // Notifications out: templates, Discord/Slack/webhook payloads, Standard Webhooks signatures,
    // reading delivery responses. Pure: no I/O.
    shared("NotificationMessages", ["Base64Encoding", "JSONValue", crypto]),
    // Notification destinations, rules and deliveries in Postgres (sealed URLs and secrets).
    shared("NotificationStore", ["Base64Encoding", "JSONValue", "NotificationMessages", "Postgres", "SecretSealing", crypto]),
    // YouTube push (WebSub: subscribe, verification, signed Atom notifications parsed safely).
    shared("WebSub", ["Settings", "URLEncoding", crypto, httpClient, nioCore, nioHTTP1]),
    // The YouTube Data API v3 (videos.list, channels.list) under a daily quota budget kept in Redis.
    shared("YouTubeAPI", ["BlockingIO", "CivilTime", "JSONValue", "Redis", "Settings", "URLEncoding", "WebSub", httpClient, nioCore, nioHTTP1]),
    // Rumble's livestream API (per-channel URL with an API key).
    shared("RumbleAPI", ["JSONValue", "Settings", "URLEncoding", httpClient, nioCore, nioHTTP1]),
]

// MARK: - Functions

let httpMain: [Target.Dependency] = ["FunctionRuntime", "FunctionServer"]
let apiMain: [Target.Dependency] = ["API", "FunctionRuntime", "FunctionServer"]

let functionTargets: [Target] =
    function("TwitchWebhook", executable: "twitch-webhook",
             library: ["BlockingIO", "EventSub", "FunctionRuntime", "FunctionServer", "Ingest", "JSONValue", "JobQueue", "Postgres", "Redis", "Settings", logging],
             main: httpMain)
    + function("Account", executable: "account",
               library: ["Audit", "API", "AccessTokens", "BlockingIO", "FunctionRuntime", "FunctionServer", "JSONValue", "ObjectStore", "Postgres", "Settings"],
               main: apiMain)
    + function("Auth", executable: "auth",
               library: ["Audit", "Access", "API", "AccessTokens", "Base64Encoding", "BlockingIO", "FunctionRuntime", "FunctionServer", "JSONValue", "MarkupEscaping",
                         "OpenIDConnect", "Postgres", "Redis", "Settings", "URLEncoding", crypto, cryptoExtras, logging, nioLocks],
               main: ["API", "Access", "AccessTokens", "FunctionRuntime", "FunctionServer", "OpenIDConnect", "Postgres", "Redis", "Settings", httpClient])
    + function("Members", executable: "members",
               library: ["Audit", "API", "AccessTokens", "Base64Encoding", "FunctionRuntime", "FunctionServer", "JSONValue", "Postgres", "RandomBytes", crypto],
               main: apiMain)
    + function("Keys", executable: "keys",
               library: ["Audit", "API", "Access", "AccessTokens", "Base64Encoding", "FunctionRuntime", "FunctionServer", "JSONValue", "Postgres"],
               main: apiMain)
    + function("Creators", executable: "creators",
               library: ["Audit", "API", "AccessTokens", "CreatorLinks", "EventSub", "FunctionRuntime", "FunctionServer", "JSONValue", "JobQueue", "Postgres",
                         "Redis", "RumbleAPI", "SecretSealing", "Settings", "TwitchAPI", "YouTubeAPI", logging],
               main: apiMain + ["Settings"])
    + function("CreatorLink", executable: "creator-link",
               library: ["Audit", "API", "CreatorLinks", "EventSub", "FunctionRuntime", "FunctionServer", "JSONValue", "JobQueue", "MarkupEscaping",
                         "Postgres", "Redis", "SecretSealing", "Settings", "TwitchAPI", logging],
               main: httpMain)
    + function("Events", executable: "events",
               library: ["Audit", "API", "AccessTokens", "BlockingIO", "EventSub", "FunctionRuntime", "FunctionServer", "Ingest", "JSONValue",
                         "ObjectStore", "Postgres", "Rooms", "Settings"],
               main: apiMain)
    + function("Dashboard", executable: "dashboard",
               library: ["Files", "FunctionRuntime", "FunctionServer", "JSONValue", "Settings", "URLEncoding"], main: httpMain)
    + function("SocketRelay", executable: "socket-relay",
               library: ["Access", "AccessTokens", "Base64Encoding", "BlockingIO", "FunctionRuntime", "Ingest", "JSONValue", "Postgres", "RandomBytes", "Redis", "Rooms", "Settings",
                         "URLEncoding", crypto, httpClient, logging, nioLocks, nioCore, nioHTTP1, nioPosix, serviceLifecycle],
               main: [])
    + function("SubscriptionRenewal", executable: "subscription-renewal",
               library: ["BlockingIO", "EventSub", "FunctionRuntime", "JSONValue", "JobQueue", "Postgres", "Settings", "TwitchAPI", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("StatusReconciliation", executable: "status-reconciliation",
               library: ["BlockingIO", "EventSub", "FunctionRuntime", "Ingest", "JSONValue", "JobQueue", "Postgres", "Redis", "Settings",
                         "TwitchAPI", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("EventArchive", executable: "event-archive",
               library: ["BlockingIO", "CZlib", "FunctionRuntime", "JSONValue", "JobQueue", "ObjectStore", "Postgres", "Settings",
                         httpClient, crypto, logging, nioCore, nioHTTP1],
               main: ["FunctionRuntime", "JobQueue"])
    + function("TwitchTokenRefresh", executable: "twitch-token-refresh",
               library: ["Audit", "BlockingIO", "CreatorLinks", "FunctionRuntime", "JSONValue", "JobQueue", "Postgres", "Redis", "SecretSealing",
                         "Settings", "TwitchAPI", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("ResealTokens", executable: "reseal-tokens", library: nil,
               main: ["CreatorLinks", "FunctionRuntime", "Postgres", "SecretSealing", "Settings"])
    + function("Notifications", executable: "notifications",
               library: ["Audit", "API", "AccessTokens", "FunctionRuntime", "FunctionServer", "JSONValue", "JobQueue", "NotificationStore",
                         "NotificationMessages", "OutboundHTTP", "Postgres", "Redis", "SecretSealing", "Settings", logging],
               main: apiMain + ["Settings"])
    + function("Notify", executable: "notify",
               library: ["BlockingIO", "FunctionRuntime", "JSONValue", "JobQueue", "NotificationStore", "NotificationMessages", "OutboundHTTP",
                         "Postgres", "Redis", "SecretSealing", "Settings", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("YouTubeWebhook", executable: "youtube-webhook",
               library: ["BlockingIO", "FunctionRuntime", "FunctionServer", "JobQueue", "Postgres", "Redis", "Settings", "URLEncoding",
                         "WebSub", logging],
               main: httpMain)
    + function("YouTubeStatus", executable: "youtube-status",
               library: ["BlockingIO", "EventSub", "FunctionRuntime", "Ingest", "JSONValue", "JobQueue", "Postgres", "Redis", "Settings",
                         "WebSub", "YouTubeAPI", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("YouTubeSubscriptions", executable: "youtube-subscriptions",
               library: ["BlockingIO", "FunctionRuntime", "JobQueue", "Postgres", "Settings", "WebSub", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("RumbleStatus", executable: "rumble-status",
               library: ["BlockingIO", "EventSub", "FunctionRuntime", "Ingest", "JSONValue", "JobQueue", "Postgres", "Redis", "RumbleAPI",
                         "SecretSealing", "Settings", logging],
               main: ["FunctionRuntime", "JobQueue"])
    + function("EnqueueJob", executable: "enqueue-job", library: nil,
               main: ["BlockingIO", "FunctionRuntime", "JSONValue", "JobQueue", "Redis", "Settings"])
    + function("Migrate", executable: "migrate", library: nil,
               main: ["FunctionRuntime", "Migrations", "Postgres", "Settings"])

// MARK: - local-runner

let runnerTargets: [Target] = [
    runner("Processes", []),
    runner("Router", ["BlockingIO", "FunctionRuntime", "JSONValue", "Processes", "StructuredLogging", logging, nioCore, nioHTTP1, nioPosix,
                      nioLocks, serviceLifecycle, unixSignals]),
    runner("ObjectStoreStandIn", ["Files", "MarkupEscaping", "ObjectStore", "URLEncoding"]),
    runner("TwitchStandIn", ["BlockingIO", "EventSub", "JSONValue", "MarkupEscaping", "URLEncoding", httpClient, httpTypes, hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    runner("twitch-stand-in", ["Settings", "StructuredLogging", "TwitchStandIn", logging], executable: true),
    runner("OIDCStandIn", ["Base64Encoding", "BlockingIO", "JSONValue", "MarkupEscaping", "URLEncoding", crypto, cryptoExtras, httpTypes, hummingbird, logging,
                           nioLocks, nioCore, nioHTTP1]),
    runner("oidc-stand-in", ["OIDCStandIn", "Settings", "StructuredLogging", logging], executable: true),
    runner("DiscordStandIn", ["Base64Encoding", "BlockingIO", "EventSub", "JSONValue", "MarkupEscaping", "NotificationMessages", "URLEncoding", crypto, httpTypes,
                              hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    runner("discord-stand-in", ["DiscordStandIn", "Settings", "StructuredLogging", logging], executable: true),
    runner("YouTubeStandIn", ["Base64Encoding", "BlockingIO", "CivilTime", "EventSub", "JSONValue", "MarkupEscaping", "URLEncoding", crypto, httpClient, httpTypes,
                              hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    runner("youtube-stand-in", ["Settings", "StructuredLogging", "YouTubeStandIn", logging], executable: true),
    runner("RumbleStandIn", ["BlockingIO", "CivilTime", "JSONValue", "MarkupEscaping", "URLEncoding", httpTypes, hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    runner("rumble-stand-in", ["RumbleStandIn", "Settings", "StructuredLogging", logging], executable: true),
    runner("FanoutBenchmark", ["AccessTokens", "BlockingIO", "Files", "JSONValue", "Processes", "Redis", "Rooms", "Settings", cryptoExtras, nioLocks,
                               nioCore, nioPosix]),
    runner("LocalRunner", [
        "AccessTokens", "Base64Encoding", "BlockingIO", "CreatorLinks", "EventSub", "Files", "FunctionRuntime", "JSONValue", "JobQueue", "Migrations", "ObjectStore",
        "ObjectStoreStandIn", "NotificationStore", "Postgres", "Processes", "Redis", "Router", "SecretSealing", "Settings", "StructuredLogging",
        httpClient, cryptoExtras, httpTypes, hummingbird, logging, nioLocks, nioCore, nioHTTP1,
    ]),
    runner("ccr-local", [
        "AccessTokens", "BlockingIO", "FanoutBenchmark", "Files", "FunctionRuntime", "JSONValue", "JobQueue", "LocalRunner", "Redis", "Router", "Settings", "StructuredLogging",
        argumentParser, logging,
    ], executable: true),
]

// MARK: - Tests (real Postgres and Redis, started by local-runner/test)

let testTargets: [Target] = [
    .target(name: "TestSupport", dependencies: ["Files", "Migrations", "Postgres", "Processes", "Redis", "Settings"],
            path: "Tests/TestSupport", swiftSettings: swiftSettings),
    tests("LayoutTests", ["Files", "JSONValue", "LocalRunner", "Router", "TestSupport"]),
    tests("SharedTests", ["Base64Encoding", "BlockingIO", "RandomBytes", "EventSub", "Files", "JSONValue", "LocalRunner", "Migrations", "NotificationMessages",
                          "OutboundHTTP", "Postgres", "Processes", "Redis", "Rooms", "SecretSealing", "Settings", "TestSupport", hummingbird,
                          httpTypes, logging, nioCore, nioLocks]),
    tests("WebhookFunctionTests", ["BlockingIO", "EventSub", "FunctionRuntime", "FunctionServer", "Ingest", "JSONValue", "Postgres",
                                   "Redis", "Rooms", "TestSupport", "TwitchWebhook", logging]),
    tests("LocalRunnerTests", ["BlockingIO", "EventSub", "Files", "JSONValue", "LocalRunner", "Postgres", "Processes", "Router", "Settings",
                               "TestSupport", httpClient, logging, nioCore, nioHTTP1]),
    tests("APITests", ["Access", "API", "Account", "Auth", "AccessTokens", "Base64Encoding", "BlockingIO", "CreatorLink", "CreatorLinks", "Creators",
                       "Events", "Files", "FunctionRuntime", "FunctionServer",
                       "JSONValue", "Keys", "LocalRunner", "Members", "Notifications", "ObjectStore", "ObjectStoreStandIn", "Postgres", "Processes", "Redis",
                       "Router", "RumbleAPI", "RumbleStandIn", "SecretSealing", "TestSupport", "TwitchAPI", "TwitchStandIn", "TwitchTokenRefresh",
                       "URLEncoding", "YouTubeAPI", "YouTubeStandIn",
                       httpClient, crypto, httpTypes, hummingbird, logging,
                       nioLocks, nioCore, nioHTTP1, cryptoExtras]),
    tests("TwitchTests", ["BlockingIO", "EventSub", "JSONValue", "Settings", "TwitchAPI", "TwitchStandIn", "URLEncoding", httpClient, hummingbird,
                          logging, nioCore, nioHTTP1]),
    tests("AuthTests", ["Access", "AccessTokens", "API", "Auth", "Base64Encoding", "BlockingIO", "Members", "FunctionRuntime", "FunctionServer", "JSONValue",
                        "OIDCStandIn", "OpenIDConnect", "Postgres", "Processes", "Redis", "Settings", "TestSupport", "URLEncoding",
                        httpClient, crypto, cryptoExtras, logging, nioCore, nioHTTP1]),
    tests("OIDCStandInTests", ["Base64Encoding", "BlockingIO", "JSONValue", "OIDCStandIn", "URLEncoding", httpClient, crypto,
                               cryptoExtras, hummingbird, logging, nioCore, nioHTTP1]),
    tests("ObjectStoreTests", ["Files", "ObjectStore", "ObjectStoreStandIn", "URLEncoding"]),
    tests("RelayTests", ["Access", "AccessTokens", "BlockingIO", "EventSub", "FanoutBenchmark", "Files", "FunctionRuntime", "FunctionServer", "Ingest",
                         "JSONValue", "LocalRunner", "Postgres", "Processes", "Redis", "Rooms", "Settings", "SocketRelay",
                         "TestSupport", "TwitchWebhook", cryptoExtras, logging, nioLocks, nioCore, nioPosix],
          exclude: ["python"]),
    tests("JobTests", ["Access", "API", "AccessTokens", "BlockingIO", "EventArchive", "EventSub", "Events", "Files", "FunctionRuntime", "FunctionServer",
                       "Ingest", "JSONValue", "JobQueue", "LocalRunner", "ObjectStore", "ObjectStoreStandIn", "Postgres", "Processes",
                       "Redis", "Rooms", "Settings", "StatusReconciliation", "SubscriptionRenewal", "TestSupport", "TwitchAPI",
                       "TwitchStandIn", httpClient, cryptoExtras, hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    tests("NotificationTests", ["Access", "API", "AccessTokens", "BlockingIO", "DiscordStandIn", "EventSub", "Files", "FunctionRuntime", "FunctionServer", "Ingest",
                                "JSONValue", "JobQueue", "LocalRunner", "NotificationStore", "NotificationMessages", "Notifications", "Notify", "OutboundHTTP",
                                "Postgres", "Processes", "Redis", "Router", "SecretSealing", "Settings", "TestSupport", "URLEncoding",
                                httpClient, crypto, cryptoExtras, hummingbird, httpTypes, logging, nioLocks, nioCore, nioHTTP1]),
    tests("PlatformTests", ["BlockingIO", "Files", "JSONValue", "Processes", "Redis", "RumbleAPI", "RumbleStandIn", "Settings", "TestSupport",
                            "URLEncoding", "WebSub", "YouTubeAPI", "YouTubeStandIn", httpClient, crypto, hummingbird, httpTypes, logging,
                            nioLocks, nioCore, nioHTTP1]),
    tests("YouTubeFunctionTests", ["BlockingIO", "EventSub", "Files", "FunctionRuntime", "FunctionServer", "Ingest", "JSONValue", "JobQueue",
                                   "LocalRunner", "Postgres", "Processes", "Redis", "Rooms", "Settings", "TestSupport", "URLEncoding", "WebSub",
                                   "YouTubeAPI", "YouTubeStandIn", "YouTubeStatus", "YouTubeSubscriptions", "YouTubeWebhook", httpClient,
                                   crypto, hummingbird, httpTypes, logging, nioLocks, nioCore, nioHTTP1]),
    tests("RumbleFunctionTests", ["BlockingIO", "EventSub", "Files", "FunctionRuntime", "Ingest", "JSONValue", "JobQueue", "LocalRunner",
                                  "Postgres", "Processes", "Redis", "Rooms", "RumbleAPI", "RumbleStandIn", "RumbleStatus", "SecretSealing",
                                  "Settings", "TestSupport", httpClient, hummingbird, logging, nioLocks, nioCore, nioHTTP1]),
    tests("DashboardTests", ["BlockingIO", "Dashboard", "EventSub", "Files", "FunctionServer", "JSONValue", "LocalRunner", "Postgres",
                             "Processes", "Router", "Settings", "TestSupport", httpClient, httpTypes, hummingbird, logging, nioCore,
                             nioHTTP1]),
]

let package = Package(
    name: "creator-control-room",
    platforms: [.macOS(.v14)],
    products: [
        "twitch-webhook", "account", "auth", "members", "keys", "creators", "events", "dashboard", "socket-relay",
        "creator-link", "subscription-renewal", "status-reconciliation", "event-archive", "twitch-token-refresh", "reseal-tokens",
        "notifications", "notify", "youtube-webhook", "youtube-status", "youtube-subscriptions", "rumble-status", "enqueue-job", "migrate",
        "ccr-local", "twitch-stand-in", "oidc-stand-in", "discord-stand-in", "youtube-stand-in", "rumble-stand-in",
    ].map { Product.executable(name: $0, targets: [$0]) },
    dependencies: [
        // `traits: []` keeps full Foundation + ICU out of every binary (faster cold starts).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", exact: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
    ],
    targets: sharedTargets + functionTargets + runnerTargets + testTargets
)
