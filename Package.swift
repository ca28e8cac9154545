// swift-tools-version:6.1
// Creator Control Room: every endpoint is a small executable in Functions/, shared code lives
// in Shared/ modules named by what they do, and local-runner/ runs the whole system on one machine.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "creator-control-room",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "twitch-webhook", targets: ["twitch-webhook"]),
        .executable(name: "migrate", targets: ["migrate"]),
        .executable(name: "ccr-local", targets: ["ccr-local"]),
        .executable(name: "api-account", targets: ["api-account"]),
        .executable(name: "api-members", targets: ["api-members"]),
        .executable(name: "api-creators", targets: ["api-creators"]),
        .executable(name: "api-events", targets: ["api-events"]),
        .executable(name: "twitch-stand-in", targets: ["twitch-stand-in"]),
        .executable(name: "socket-relay", targets: ["socket-relay"]),
        .executable(name: "job-renewal", targets: ["job-renewal"]),
        .executable(name: "job-status", targets: ["job-status"]),
        .executable(name: "job-archive", targets: ["job-archive"]),
        .executable(name: "enqueue-job", targets: ["enqueue-job"]),
    ],
    dependencies: [
        // `traits: []` keeps full Foundation + ICU out of every binary (faster cold starts).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // MARK: C libraries (system packages: libpq-dev, libhiredis-dev)
        .systemLibrary(
            name: "CLibPQ", path: "Shared/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]),
        .systemLibrary(
            name: "CHiredis", path: "Shared/CHiredis",
            providers: [.apt(["libhiredis-dev"]), .brew(["hiredis"])]),

        // MARK: Shared modules
        .target(name: "Settings", path: "Shared/Settings", swiftSettings: strict),
        .target(name: "Files", path: "Shared/Files", swiftSettings: strict),
        .target(
            name: "StructuredLogging",
            dependencies: ["JSONValue", .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Shared/StructuredLogging", swiftSettings: strict),
        .target(
            name: "BlockingIO",
            dependencies: [.product(name: "NIOPosix", package: "swift-nio")],
            path: "Shared/BlockingIO", swiftSettings: strict),
        .target(
            name: "Postgres",
            dependencies: ["CLibPQ", "BlockingIO", .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Shared/Postgres", swiftSettings: strict),
        .target(
            name: "Redis",
            dependencies: ["CHiredis", "BlockingIO", "Settings", .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Shared/Redis", swiftSettings: strict),
        .target(name: "JSONValue", path: "Shared/JSONValue", swiftSettings: strict),
        .target(name: "URLEncoding", path: "Shared/URLEncoding", swiftSettings: strict),
        .target(name: "CivilTime", path: "Shared/CivilTime", swiftSettings: strict),
        .target(
            name: "EventSub",
            dependencies: ["JSONValue", "CivilTime", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/EventSub", swiftSettings: strict),
        .target(name: "Rooms", dependencies: ["JSONValue"], path: "Shared/Rooms", swiftSettings: strict),
        .target(name: "Migrations", dependencies: ["Postgres"], path: "Shared/Migrations", swiftSettings: strict),
        .target(
            name: "Ingest",
            dependencies: [
                "Postgres", "Redis", "EventSub", "Rooms", "JSONValue", "BlockingIO",
                .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/Ingest", swiftSettings: strict),
        .target(
            name: "FunctionRuntime",
            dependencies: [
                "Settings", "StructuredLogging", "JSONValue", "URLEncoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/FunctionRuntime", swiftSettings: strict),

        .target(
            name: "Auth",
            dependencies: [
                "JSONValue", "BlockingIO", "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Auth", swiftSettings: strict),
        .target(
            name: "ObjectStore",
            dependencies: ["JSONValue", "URLEncoding", "CivilTime", "Files", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/ObjectStore", swiftSettings: strict),
        .target(
            name: "TwitchAPI",
            dependencies: [
                "JSONValue", "BlockingIO", "URLEncoding", "Settings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/TwitchAPI", swiftSettings: strict),
        .target(
            name: "API",
            dependencies: [
                "FunctionRuntime", "Auth", "Postgres", "Redis", "JSONValue", "Ingest", "Rooms", "Settings", "BlockingIO", "URLEncoding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Shared/API", swiftSettings: strict),

        // MARK: Functions (one executable each; logic in the library beside it)
        .target(
            name: "WebhookFunction",
            dependencies: [
                "FunctionRuntime", "EventSub", "Ingest", "Postgres", "Redis", "Settings", "BlockingIO",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Webhook/WebhookFunction", swiftSettings: strict),
        .executableTarget(
            name: "twitch-webhook", dependencies: ["WebhookFunction", "FunctionRuntime"],
            path: "Functions/Webhook/main", swiftSettings: strict),
        .executableTarget(
            name: "migrate", dependencies: ["Migrations", "Postgres", "Settings", "StructuredLogging"],
            path: "Functions/Migrate/main", swiftSettings: strict),

        .target(
            name: "AccountFunction",
            dependencies: ["API", "FunctionRuntime", "Auth", "Postgres", "JSONValue", "Settings", "ObjectStore", "BlockingIO", .product(name: "Logging", package: "swift-log")],
            path: "Functions/Account/AccountFunction", swiftSettings: strict),
        .executableTarget(
            name: "api-account", dependencies: ["AccountFunction", "API", "FunctionRuntime"],
            path: "Functions/Account/main", swiftSettings: strict),
        .target(
            name: "MembersFunction",
            dependencies: ["API", "FunctionRuntime", "Auth", "Postgres", "JSONValue", "Settings", .product(name: "Logging", package: "swift-log")],
            path: "Functions/Members/MembersFunction", swiftSettings: strict),
        .executableTarget(
            name: "api-members", dependencies: ["MembersFunction", "API", "FunctionRuntime"],
            path: "Functions/Members/main", swiftSettings: strict),
        .target(
            name: "CreatorsFunction",
            dependencies: ["API", "FunctionRuntime", "Auth", "Postgres", "JSONValue", "Settings", "TwitchAPI", .product(name: "Logging", package: "swift-log")],
            path: "Functions/Creators/CreatorsFunction", swiftSettings: strict),
        .executableTarget(
            name: "api-creators", dependencies: ["CreatorsFunction", "API", "FunctionRuntime"],
            path: "Functions/Creators/main", swiftSettings: strict),
        .target(
            name: "EventsFunction",
            dependencies: ["API", "FunctionRuntime", "Auth", "Postgres", "JSONValue", "Settings", "EventSub", "Ingest", "ObjectStore", "BlockingIO", .product(name: "Logging", package: "swift-log")],
            path: "Functions/Events/EventsFunction", swiftSettings: strict),
        .executableTarget(
            name: "api-events", dependencies: ["EventsFunction", "API", "FunctionRuntime"],
            path: "Functions/Events/main", swiftSettings: strict),

        .target(
            name: "SocketRelay",
            dependencies: [
                "Auth", "Redis", "Postgres", "Rooms", "Ingest", "JSONValue", "Settings", "StructuredLogging", "BlockingIO", "Processes",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Relay/SocketRelay", swiftSettings: strict),
        .executableTarget(
            name: "socket-relay", dependencies: ["SocketRelay", "Settings", "StructuredLogging", "Auth"],
            path: "Functions/Relay/main", swiftSettings: strict),

        .target(
            name: "JobQueue",
            dependencies: [
                "Redis", "JSONValue", "BlockingIO", "FunctionRuntime", "Settings", "StructuredLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Shared/JobQueue", swiftSettings: strict),
        .executableTarget(
            name: "enqueue-job", dependencies: ["JobQueue", "Redis", "Settings", "StructuredLogging", "BlockingIO"],
            path: "Functions/Scheduler/main", swiftSettings: strict),
        .target(
            name: "SubscriptionRenewal",
            dependencies: [
                "TwitchAPI", "Postgres", "JSONValue", "Settings", "BlockingIO",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Renewal/SubscriptionRenewal", swiftSettings: strict),
        .executableTarget(
            name: "job-renewal", dependencies: ["SubscriptionRenewal", "JobQueue", "FunctionRuntime", "Settings", "StructuredLogging"],
            path: "Functions/Renewal/main", swiftSettings: strict),
        .target(
            name: "StatusReconciliation",
            dependencies: [
                "TwitchAPI", "Postgres", "Ingest", "EventSub", "Rooms", "JSONValue", "Settings", "BlockingIO", "Redis",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/StatusSync/StatusReconciliation", swiftSettings: strict),
        .executableTarget(
            name: "job-status", dependencies: ["StatusReconciliation", "JobQueue", "FunctionRuntime", "Settings", "StructuredLogging"],
            path: "Functions/StatusSync/main", swiftSettings: strict),
        .systemLibrary(
            name: "CZlib", path: "Shared/CZlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .target(
            name: "EventArchive",
            dependencies: [
                "CZlib", "ObjectStore", "Postgres", "Ingest", "JSONValue", "Settings", "BlockingIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Functions/Archive/EventArchive", swiftSettings: strict),
        .executableTarget(
            name: "job-archive", dependencies: ["EventArchive", "JobQueue", "FunctionRuntime", "Settings", "StructuredLogging", "BlockingIO"],
            path: "Functions/Archive/main", swiftSettings: strict),

        // MARK: local-runner (router, embedded services, operator CLI, benchmarks)
        .target(
            name: "Processes", dependencies: [],
            path: "local-runner/Processes", swiftSettings: strict),
        .target(
            name: "Router",
            dependencies: [
                "StructuredLogging", "Processes", "BlockingIO", "JSONValue",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "local-runner/Router", swiftSettings: strict),
        .target(
            name: "DashboardAssets",
            dependencies: [
                "Router", "Files",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Shared/DashboardAssets", swiftSettings: strict),
        .target(
            name: "TwitchStandIn",
            dependencies: [
                "EventSub", "JSONValue", "BlockingIO", "StructuredLogging", "URLEncoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "local-runner/TwitchStandIn", swiftSettings: strict),
        .executableTarget(
            name: "twitch-stand-in", dependencies: ["TwitchStandIn", "Settings", "StructuredLogging", .product(name: "Logging", package: "swift-log")],
            path: "local-runner/twitch-stand-in", swiftSettings: strict),
        .target(
            name: "LocalRunner",
            dependencies: [
                "Router", "Processes", "Postgres", "Redis", "Migrations", "EventSub", "JSONValue", "BlockingIO",
                "Settings", "StructuredLogging", "Auth", "ObjectStore", "JobQueue", "DashboardAssets",
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "local-runner/LocalRunner", swiftSettings: strict),
        .executableTarget(
            name: "ccr-local",
            dependencies: [
                "LocalRunner", "Router", "Settings", "StructuredLogging", "Auth", "BlockingIO", "JobQueue", "Redis", "SocketRelay",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "local-runner/ccr-local", swiftSettings: strict),

        // MARK: Tests (real Postgres and Redis, started by local-runner/test)
        .target(
            name: "TestSupport",
            dependencies: ["Postgres", "Redis", "Migrations", "Settings", "LocalRunner"],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(
            name: "SharedTests",
            dependencies: ["TestSupport", "Postgres", "Redis", "EventSub", "Migrations", "Rooms", "JSONValue", "Ingest", "BlockingIO"],
            path: "Tests/SharedTests", swiftSettings: strict),
        .testTarget(
            name: "WebhookFunctionTests",
            dependencies: [
                "TestSupport", "WebhookFunction", "FunctionRuntime", "Postgres", "Redis", "EventSub", "Rooms", "JSONValue",
                "Ingest", "BlockingIO", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/WebhookFunctionTests", swiftSettings: strict),
        .testTarget(
            name: "LocalRunnerTests",
            dependencies: [
                "TestSupport", "Router", "LocalRunner", "Processes", "EventSub", "Settings", "BlockingIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/LocalRunnerTests", swiftSettings: strict),
        .testTarget(
            name: "APITests",
            dependencies: [
                "TestSupport", "API", "Auth", "AccountFunction", "MembersFunction", "CreatorsFunction", "EventsFunction",
                "FunctionRuntime", "Postgres", "Redis", "JSONValue", "ObjectStore", "TwitchAPI", "TwitchStandIn", "BlockingIO",
                "Processes", "LocalRunner", "Router",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/APITests", swiftSettings: strict),
        .testTarget(
            name: "TwitchTests",
            dependencies: [
                "TestSupport", "TwitchAPI", "TwitchStandIn", "EventSub", "JSONValue", "BlockingIO",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TwitchTests", swiftSettings: strict),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: ["ObjectStore", "TestSupport", "JSONValue", "URLEncoding"],
            path: "Tests/ObjectStoreTests", swiftSettings: strict),
        .testTarget(
            name: "RelayTests",
            dependencies: [
                "TestSupport", "SocketRelay", "Auth", "Redis", "Postgres", "Rooms", "JSONValue", "BlockingIO", "Processes", "LocalRunner",
                "EventSub", "Ingest", "WebhookFunction", "FunctionRuntime",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/RelayTests", exclude: ["python"], swiftSettings: strict),
        .testTarget(
            name: "JobTests",
            dependencies: [
                "TestSupport", "JobQueue", "SubscriptionRenewal", "StatusReconciliation", "EventArchive",
                "TwitchAPI", "TwitchStandIn", "ObjectStore", "Redis", "Postgres", "Ingest", "EventSub", "Rooms", "JSONValue",
                "BlockingIO", "Processes", "LocalRunner", "FunctionRuntime", "API", "Auth", "EventsFunction", "Settings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/JobTests", swiftSettings: strict),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "DashboardAssets", "Router", "TestSupport", "LocalRunner", "Processes", "EventSub", "JSONValue", "BlockingIO", "Settings", "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/DashboardTests", swiftSettings: strict),
    ]
)
