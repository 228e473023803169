// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "logarchive",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "logarchive", targets: ["logarchive"]),
        .library(name: "LogArchive", targets: ["LogArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "LogArchive",
            dependencies: [
                "CZlib",
                "CCurl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "logarchive",
            dependencies: [
                "LogArchive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Load benchmark for TraceCollector (scripts/bench-trace.sh); built, never installed.
        .executableTarget(
            name: "logarchive-bench-trace",
            dependencies: ["LogArchive"]
        ),
        .testTarget(
            name: "LogArchiveTests",
            dependencies: ["LogArchive", "logarchive"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
