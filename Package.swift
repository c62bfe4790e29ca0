// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .library(name: "HeraldCore", targets: ["HeraldCore"]),
        .library(name: "SMPP", targets: ["SMPP"]),
        .library(name: "SMSText", targets: ["SMSText"]),
        .library(name: "PhoneNumbers", targets: ["PhoneNumbers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // SMS alphabets (GSM 03.38, Latin-1, UCS-2) and segmentation. No dependencies; shared by the domain and SMPP.
        .target(name: "SMSText", swiftSettings: strict),
        // Phone-number parsing and validation from generated libphonenumber metadata. No dependencies.
        .target(name: "PhoneNumbers", exclude: ["LICENSE-libphonenumber.txt"], swiftSettings: strict),
        // Pure domain: statuses, the status machine, reasons, messages. No I/O.
        .target(name: "HeraldCore", dependencies: ["SMSText", "PhoneNumbers"], swiftSettings: strict),
        // SMPP 3.4 library: PDUs, codec, receipts, client and server session state machines. Knows nothing of Herald.
        .target(
            name: "SMPP",
            dependencies: [
                "SMSText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Every metric Herald records, named once (swift-metrics); `herald serve` exports them with swift-prometheus.
        .target(
            name: "HeraldMetrics",
            dependencies: ["HeraldCore", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The store contract and its two backends.
        .target(
            name: "HeraldStore",
            dependencies: ["HeraldCore", "HeraldJSON", "HeraldMetrics", "PhoneNumbers", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .target(
            name: "HeraldSQLite",
            dependencies: ["HeraldCore", "HeraldStore", "HeraldMetrics", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "GRDBSQLite", package: "GRDB.swift"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict
        ),
        .target(
            name: "HeraldPostgres",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldMetrics",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // SMTP library (RFC 5321 client and server session state machines, replies, DATA, MIME). Knows nothing of Herald.
        .target(
            name: "SMTP",
            dependencies: [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "NIOTLS", package: "swift-nio")],
            swiftSettings: strict
        ),
        // DKIM signing (RFC 6376 rsa-sha256, RFC 8463 ed25519-sha256, relaxed/relaxed). Knows nothing of Herald.
        .target(
            name: "DKIM",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // MX lookups through the system resolver (libresolv's res_nquery), for direct e-mail delivery.
        .target(name: "CResolv", linkerSettings: [.linkedLibrary("resolv")]),
        // E-mail through SMTP behind the connector contract.
        .target(
            name: "HeraldSMTP",
            dependencies: [
                "HeraldCore", "HeraldConnectors", "HeraldLinks", "SMTP", "DKIM", "CResolv",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `herald smtp-sink`: an SMTP server answering by magic recipient, for tests.
        .target(
            name: "SMTPSink",
            dependencies: [
                "SMTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Provider integrations behind the connector contract (the built-in simulator first).
        .target(
            name: "HeraldConnectors",
            dependencies: [
                "HeraldCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // HTTP messaging providers behind the connector contract (Twilio, Vonage, WhatsApp Cloud): their wire formats,
        // signatures and code tables.
        .target(
            name: "HeraldProviders",
            dependencies: [
                "HeraldCore", "HeraldConnectors", "SMSText", "SMPP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // `herald fake-provider`: each HTTP provider's public API and signed webhooks, for tests and demos.
        .target(
            name: "FakeProviders",
            dependencies: [
                "HeraldProviders", "SMSText",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The SMPP connector: Herald's side of the SMPP library.
        .target(
            name: "HeraldSMPP",
            dependencies: [
                "HeraldCore", "HeraldConnectors", "HeraldMetrics", "SMPP", "SMSText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // An SMSC simulator (SMPP server) for tests, benchmarks and users' own systems.
        .target(
            name: "SMSCSimulator",
            dependencies: [
                "SMPP", "SMSText",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Workers: dispatch, receipt ingestion, shutdown.
        .target(
            name: "HeraldEngine",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldConnectors", "HeraldMetrics",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The JSON shapes shared by every surface (API, feed, callbacks): one writer, one encoding per concept.
        .target(
            name: "HeraldJSON",
            dependencies: ["HeraldCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Status callbacks: fan-out of events to deliveries, signed POSTs with retries.
        .target(
            name: "HeraldWebhooks",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldJSON", "HeraldMetrics",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Signed links in messages that point back at Herald (one-click unsubscribe).
        .target(
            name: "HeraldLinks",
            dependencies: ["HeraldCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // The JSON API.
        .target(
            name: "HeraldHTTP",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldEngine", "HeraldConnectors", "HeraldWebhooks", "HeraldJSON", "HeraldLinks", "SMSText", "PhoneNumbers",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("openapi.json")],
            swiftSettings: strict
        ),
        // The web dashboard at `/`: server-rendered pages over the same store and handlers as the API.
        .target(
            name: "HeraldDashboard",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldHTTP", "HeraldConnectors", "HeraldEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
            ],
            swiftSettings: strict
        ),
        // Fuzz targets: a corpus replayer in a normal build, libFuzzer's entry point with -sanitize=fuzzer -DFUZZING
        // (scripts/fuzz.sh).
        .target(name: "HeraldFuzzSupport"),
        .executableTarget(
            name: "herald-fuzz",
            dependencies: [
                "HeraldFuzzSupport", "HeraldCore", "HeraldStore", "HeraldEngine", "HeraldHTTP", "SMPP", "SMSText", "SMTP", "HeraldConnectors", "HeraldProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldPostgres", "HeraldConnectors", "HeraldEngine", "HeraldHTTP", "HeraldDashboard",
                "HeraldSMPP", "SMSCSimulator", "SMPP", "SMSText", "HeraldWebhooks", "SMTPSink", "HeraldSMTP", "DKIM", "HeraldProviders", "FakeProviders", "HeraldJSON",
                "HeraldMetrics",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/Sources/herald-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald-ledger-bench",
            dependencies: ["HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldPostgres", .product(name: "Logging", package: "swift-log")],
            path: "bench/Sources/herald-ledger-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald-receiver",
            dependencies: [
                "HeraldCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "bench/Sources/herald-receiver",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald-webhook-bench",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "bench/Sources/herald-webhook-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "herald-gates-bench",
            dependencies: ["HeraldCore", "HeraldEngine", "PhoneNumbers"],
            path: "bench/Sources/herald-gates-bench",
            swiftSettings: strict
        ),
        .testTarget(name: "SMSTextTests", dependencies: ["SMSText"], swiftSettings: strict),
        .testTarget(name: "PhoneNumbersTests", dependencies: ["PhoneNumbers"], swiftSettings: strict),
        .testTarget(
            name: "HeraldWebhooksTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMPPTests",
            dependencies: ["SMPP", "SMSText", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore"], swiftSettings: strict),
        .testTarget(
            name: "HeraldSMTPTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldConnectors", "HeraldEngine", "HeraldSMTP", "SMTPSink", "HeraldLinks", "DKIM",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMTPTests",
            dependencies: [
                "SMTP", "SMTPSink",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldSMPPTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldConnectors", "HeraldEngine", "HeraldSMPP", "SMPP", "SMSCSimulator",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldStoreTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldPostgres", "HeraldEngine", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldEngineTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldPostgres", "HeraldConnectors", "HeraldEngine",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldProvidersTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldConnectors", "HeraldEngine", "HeraldHTTP", "HeraldWebhooks",
                "HeraldProviders", "FakeProviders",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HeraldHTTPTests",
            dependencies: [
                "HeraldCore", "HeraldStore", "HeraldSQLite", "HeraldConnectors", "HeraldEngine", "HeraldHTTP", "HeraldWebhooks", "HeraldLinks", "HeraldDashboard",
                "HeraldMetrics",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
    ]
)
