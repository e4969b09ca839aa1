// swift-tools-version: 6.1
import PackageDescription

// Layout (see docs/architecture.md): C system libraries and a shim, the two client wrappers,
// the pure domain core, the shared worker runtime (Fleet), one library per worker, thin executables.
let workers: [(product: String, library: String, main: String)] = [
    ("scheduler", "SchedulerWorker", "SchedulerMain"),
    ("collector", "CollectorWorker", "CollectorMain"),
    ("retrier", "RetrierWorker", "RetrierMain"),
    ("reconciler", "ReconcilerWorker", "ReconcilerMain"),
    ("accounting-sync", "AccountingSyncWorker", "AccountingSyncMain"),
]

let package = Package(
    name: "CoverPay",
    platforms: [.macOS(.v15)],
    products: workers.map { .executable(name: $0.product, targets: [$0.main]) }
        + [.executable(name: "coverpay", targets: ["CoverPayCLI"])],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // C libraries and the one-function shim for rabbitmq-c's variadic amqp_login.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "CAMQPShim", dependencies: ["CRabbitMQ"]),

        // Client wrappers: blocking, thread-confined, one per C library.
        .target(name: "AMQP", dependencies: ["CRabbitMQ", "CAMQPShim"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),

        // Pure domain: money, dates, events, schedules, rules. No I/O.
        .target(name: "CoverPayCore"),

        // Worker runtime shared by every worker and the CLI.
        .target(
            name: "Fleet",
            dependencies: [
                "AMQP", "Postgres", "CoverPayCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
    ]
        + workers.map { worker in
            .target(
                name: worker.library,
                dependencies: ["Fleet", "CoverPayCore", .product(name: "Crypto", package: "swift-crypto")]
            )
        }
        + workers.map { worker in
            .executableTarget(name: worker.main, dependencies: [.target(name: worker.library)])
        }
        + [
            // Test tooling kept apart from the operator commands: fuzzing (and later chaos and load drivers).
            .target(name: "CoverPayTools", dependencies: ["Fleet", "CoverPayCore", "AMQP", "Postgres"]),
            .executableTarget(
                name: "CoverPayCLI",
                dependencies: workers.map { .target(name: $0.library) } + [
                    "Fleet", "CoverPayCore", "CoverPayTools",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ]
            ),
            .testTarget(
                name: "CoverPayCoreTests",
                dependencies: ["CoverPayCore", .product(name: "PropertyBased", package: "swift-property-based")]
            ),
            .testTarget(name: "CoverPayToolsTests", dependencies: ["CoverPayTools", "CoverPayCore", "Fleet"]),
            .testTarget(
                name: "IntegrationTests",
                dependencies: ["Fleet", "AMQP", "Postgres", "CoverPayCore", "CoverPayTools"] + workers.map { .target(name: $0.library) }
            ),
        ]
)
