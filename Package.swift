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
        .library(name: "KafkaBridge", targets: ["KafkaBridge"]),
        .library(name: "Messages", targets: ["Messages"]),
        .library(name: "EmbeddedKafka", targets: ["EmbeddedKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
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
        .testTarget(
            name: "KafkaBridgeTests",
            dependencies: [
                "KafkaBridge", "EmbeddedKafka", "Messages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/KafkaBridgeTests"
        ),
        .testTarget(name: "MessagesTests", dependencies: ["Messages"], path: "Tests/MessagesTests"),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
