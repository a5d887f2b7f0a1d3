// swift-tools-version:6.2
import PackageDescription

/// Strict settings applied to every non-system target (see style.md §3.1).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Tradewire",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kafka-dev", targets: ["KafkaDevMain"]),
        .executable(name: "kafka-bench", targets: ["KafkaBenchMain"]),
        .executable(name: "services-bench", targets: ["ServicesBenchMain"]),
        .executable(name: "venue-sim", targets: ["VenueSimMain"]),
        .executable(name: "auth-token-broker", targets: ["AuthTokenBrokerMain"]),
        .executable(name: "order-executor", targets: ["OrderExecutorMain"]),
        .executable(name: "tick-publisher", targets: ["TickPublisherMain"]),
        .executable(name: "audit-logger", targets: ["AuditLoggerMain"]),
        .executable(name: "tradewire", targets: ["TradewireCLI"]),
        .executable(name: "chaos", targets: ["ChaosMain"]),
        .library(name: "KafkaBridge", targets: ["KafkaBridge"]),
        .library(name: "Messages", targets: ["Messages"]),
        .library(name: "EmbeddedKafka", targets: ["EmbeddedKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // librdkafka from Debian's librdkafka-dev (pkg-config "rdkafka"); shim.h adds inline helpers.
        .systemLibrary(
            name: "Crdkafka",
            path: "Shared/Crdkafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .target(
            name: "KafkaBridge",
            dependencies: [
                "Crdkafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/KafkaBridge"
        ),
        .target(name: "Messages", path: "Shared/Messages"),
        // Venue-neutral layer: operations, outcome classification, credentials and token logic, reconnect, rate limits.
        .target(
            name: "VenueKit",
            dependencies: [
                "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/VenueKit"
        ),
        .target(
            name: "VenueMT4Server",
            dependencies: [
                "VenueKit", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/Venues/MT4Server"
        ),
        // CPlugin WebAPI: OAuth2 client credentials, the v2 REST envelope, and the SignalR hub for quotes.
        .target(
            name: "VenueCPlugin",
            dependencies: [
                "VenueKit", "Messages", "SignalRProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Shared/Venues/CPlugin"
        ),
        // Magnr: HMAC-SHA512 signed requests with strictly increasing tonces.
        .target(
            name: "VenueMagnr",
            dependencies: [
                "VenueKit", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/Venues/Magnr"
        ),
        // Deriv (Binary.com) WebSocket API v3: one socket per session, authorize with scopes, req_id correlation.
        .target(
            name: "VenueDeriv",
            dependencies: [
                "VenueKit", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            path: "Shared/Venues/Deriv"
        ),
        // cTrader Open API: JSON over WebSocket, application and account auth, in-band token refresh, spots.
        .target(
            name: "VenueCTrader",
            dependencies: [
                "VenueKit", "Messages",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Shared/Venues/CTrader"
        ),
        // AES-256-GCM sealing of venue session grants (auth.tokens), with key rotation and anti-rollback.
        .target(
            name: "GrantSealing",
            dependencies: ["Messages", "VenueKit", .product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/GrantSealing"
        ),
        // Configuration shared by the services (venue file, secret references).
        .target(name: "ServiceSupport", dependencies: ["Messages", "VenueKit"], path: "Shared/ServiceSupport"),
        // SQLite from Debian's libsqlite3-dev (the audit store's embedded default).
        .systemLibrary(
            name: "CSQLite",
            path: "Shared/CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        // The hash-chained audit log: records, stores (SQLite; PostgreSQL), verification.
        .target(
            name: "AuditStore",
            dependencies: [
                "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Audit"
        ),
        // The ASP.NET Core SignalR JSON hub protocol (CPlugin's hub): messages, framing, handshake.
        .target(name: "SignalRProtocol", dependencies: ["Messages"], path: "Shared/SignalR"),
        // What every service process shares: health and Prometheus metrics over HTTP, JSON logs, the grant feed,
        // replay of state topics.
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "KafkaBridge", "Messages", "VenueKit", "VenueMT4Server", "VenueCPlugin", "VenueMagnr", "VenueDeriv", "VenueCTrader", "GrantSealing",
                "ServiceSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Runtime"
        ),
        // The command-line options the service executables share.
        .target(
            name: "ServiceCommand",
            dependencies: [
                "ServiceRuntime", "ServiceSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/ServiceCommand"
        ),
        .target(
            name: "AuthTokenBrokerCore",
            dependencies: [
                "KafkaBridge", "Messages", "VenueKit", "VenueMT4Server", "VenueCPlugin", "VenueMagnr", "VenueDeriv", "VenueCTrader", "GrantSealing",
                "ServiceSupport", "ServiceRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/AuthTokenBroker/Core"
        ),
        .target(
            name: "OrderExecutorCore",
            dependencies: [
                "Messages", "VenueKit", "VenueMT4Server", "ServiceSupport", "ServiceRuntime", "KafkaBridge", "GrantSealing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Services/OrderExecutor/Core"
        ),
        .executableTarget(
            name: "OrderExecutorMain",
            dependencies: [
                "OrderExecutorCore", "KafkaBridge", "GrantSealing", "ServiceCommand", "ServiceRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/OrderExecutor/Main"
        ),
        .target(
            name: "TickPublisherCore",
            dependencies: [
                "Messages", "VenueKit", "ServiceSupport", "ServiceRuntime", "KafkaBridge", "GrantSealing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Services/TickPublisher/Core"
        ),
        .executableTarget(
            name: "TickPublisherMain",
            dependencies: [
                "TickPublisherCore", "KafkaBridge", "GrantSealing", "ServiceCommand", "ServiceRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/TickPublisher/Main"
        ),
        .target(
            name: "AuditLoggerCore",
            dependencies: [
                "AuditStore", "Messages", "VenueKit", "ServiceRuntime", "KafkaBridge",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/AuditLogger/Core"
        ),
        .executableTarget(
            name: "AuditLoggerMain",
            dependencies: [
                "AuditLoggerCore", "AuditStore", "ServiceCommand", "ServiceRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/AuditLogger/Main"
        ),
        // `tradewire`: the operator and developer CLI (send orders, halt/resume, tail topics).
        .executableTarget(
            name: "TradewireCLI",
            dependencies: [
                "KafkaBridge", "Messages", "AuditStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/CLI"
        ),
        .executableTarget(
            name: "AuthTokenBrokerMain",
            dependencies: [
                "AuthTokenBrokerCore", "KafkaBridge", "GrantSealing", "ServiceCommand", "ServiceRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/AuthTokenBroker/Main"
        ),
        // The venue simulators (paper venues): faithful local servers of the documented APIs, with fault injection.
        .target(
            name: "VenueSimulator",
            dependencies: [
                "Messages", "SignalRProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/VenueSimulator"
        ),
        .executableTarget(
            name: "VenueSimMain",
            dependencies: [
                "VenueSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/VenueSim"
        ),
        .target(
            name: "EmbeddedKafka",
            dependencies: [
                "Crdkafka", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/EmbeddedKafka"
        ),
        // Helpers imported only by test targets and the benchmarks.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/TestSupport"
        ),
        .executableTarget(
            name: "KafkaDevMain",
            dependencies: [
                "EmbeddedKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/KafkaDev"
        ),
        .executableTarget(
            name: "KafkaBenchMain",
            dependencies: [
                "KafkaBridge", "EmbeddedKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/KafkaBench"
        ),
        .executableTarget(
            name: "ServicesBenchMain",
            dependencies: [
                "AuditLoggerCore", "AuditStore", "AuthTokenBrokerCore", "TickPublisherCore", "GrantSealing", "KafkaBridge",
                "Messages", "ServiceRuntime", "ServiceSupport", "TestSupport", "VenueKit", "VenueSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/ServicesBench"
        ),
        .executableTarget(
            name: "ChaosMain",
            dependencies: [
                "KafkaBridge", "Messages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Services/Chaos",
        ),
        .testTarget(
            name: "KafkaBridgeTests",
            dependencies: [
                "KafkaBridge", "EmbeddedKafka", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/KafkaBridgeTests"
        ),
        .testTarget(name: "MessagesTests", dependencies: ["Messages", "TestSupport"], path: "Tests/MessagesTests"),
        .testTarget(
            name: "AuthTokenBrokerTests",
            dependencies: [
                "AuthTokenBrokerCore", "EmbeddedKafka", "KafkaBridge", "Messages", "GrantSealing", "ServiceSupport",
                "VenueKit", "VenueMT4Server", "VenueSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AuthTokenBrokerTests"
        ),
        .testTarget(
            name: "OrderExecutorTests",
            dependencies: [
                "OrderExecutorCore", "Messages", "VenueKit", "ServiceSupport", "KafkaBridge", "EmbeddedKafka",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/OrderExecutorTests"
        ),
        .testTarget(
            name: "OrderPathTests",
            dependencies: [
                "OrderExecutorCore", "AuthTokenBrokerCore", "TickPublisherCore", "AuditLoggerCore", "AuditStore", "Messages",
                "VenueKit", "VenueCTrader", "ServiceSupport", "ServiceRuntime",
                "KafkaBridge", "EmbeddedKafka", "GrantSealing", "VenueSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/OrderPathTests"
        ),
        .testTarget(
            name: "AuditTests",
            dependencies: [
                "AuditStore", "AuditLoggerCore", "KafkaBridge", "EmbeddedKafka", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/AuditTests"
        ),
        .testTarget(name: "SignalRTests", dependencies: ["SignalRProtocol", "Messages"], path: "Tests/SignalRTests"),
        .testTarget(
            name: "GrantSealingTests",
            dependencies: ["GrantSealing", "Messages", "VenueKit"],
            path: "Tests/GrantSealingTests"
        ),
        .testTarget(
            name: "VenueKitTests",
            dependencies: [
                "VenueKit", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/VenueKitTests"
        ),
        .testTarget(
            name: "VenueMT4ServerTests",
            dependencies: [
                "VenueMT4Server", "VenueKit", "VenueSimulator", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueMT4ServerTests"
        ),
        .testTarget(
            name: "VenueCPluginTests",
            dependencies: [
                "VenueCPlugin", "VenueKit", "VenueSimulator", "SignalRProtocol", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueCPluginTests"
        ),
        .testTarget(
            name: "VenueMagnrTests",
            dependencies: [
                "VenueMagnr", "VenueKit", "VenueSimulator", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueMagnrTests"
        ),
        .testTarget(
            name: "VenueDerivTests",
            dependencies: [
                "VenueDeriv", "VenueKit", "VenueSimulator", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueDerivTests"
        ),
        .testTarget(
            name: "VenueCTraderTests",
            dependencies: [
                "VenueCTrader", "VenueKit", "VenueSimulator", "Messages", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueCTraderTests"
        ),
        .testTarget(
            name: "VenueSimulatorTests",
            dependencies: [
                "VenueSimulator", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/VenueSimulatorTests"
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
