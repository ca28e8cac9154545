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
        .target(
            name: "StructuredLogging",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
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
            dependencies: ["CHiredis", "BlockingIO", .product(name: "Logging", package: "swift-log"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Shared/Redis", swiftSettings: strict),
        .target(name: "JSONValue", path: "Shared/JSONValue", swiftSettings: strict),
        .target(
            name: "EventSub",
            dependencies: ["JSONValue", .product(name: "Crypto", package: "swift-crypto")],
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
                "Settings", "StructuredLogging", "JSONValue",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/FunctionRuntime", swiftSettings: strict),

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
            name: "LocalRunner",
            dependencies: [
                "Router", "Processes", "Postgres", "Redis", "Migrations", "EventSub", "JSONValue", "BlockingIO",
                "Settings", "StructuredLogging",
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
                "LocalRunner", "Router", "Settings", "StructuredLogging",
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
    ]
)
