// swift-tools-version:6.0
import PackageDescription

// Linux only (glibc): the library calls Linux's file, process and flock APIs directly (kept in
// Sources/LogArchive/FileSystem and Process), and no machine here builds or tests for another OS.
let package = Package(
    name: "logarchive",
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
        // Whole-buffer deflate for ParallelGzipEncoder's blocks: faster than zlib. Linked from
        // libdeflate.a (see its module.modulemap), so no pkg-config, which would add -ldeflate.
        .systemLibrary(
            name: "CLibdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // memmem and memrchr, which Swift's Glibc module leaves out; no library to link.
        .systemLibrary(name: "CStringSearch"),
        // pipe2, mkostemp and posix_spawn's chdir and closefrom actions for ChildProcess, which
        // Swift's Glibc module leaves out; no library to link.
        .systemLibrary(name: "CProcessSpawn"),
        .target(
            name: "LogArchive",
            dependencies: [
                "CZlib",
                "CLibdeflate",
                "CStringSearch",
                "CProcessSpawn",
                "CCurl",
                "CSQLite",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "logarchive",
            dependencies: [
                "LogArchive",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmark programs: built with the package, not installed.
        .executableTarget(
            name: "logarchive-bench-writer",
            dependencies: ["LogArchive"]
        ),
        .executableTarget(
            name: "logarchive-bench-trace",
            dependencies: ["LogArchive"]
        ),
        .executableTarget(
            name: "logarchive-bench-json",
            dependencies: ["LogArchive"]
        ),
        .executableTarget(
            name: "logarchive-bench-gzip",
            dependencies: ["LogArchive"]
        ),
        .executableTarget(
            name: "logarchive-bench-redact",
            dependencies: ["LogArchive"]
        ),
        .testTarget(
            name: "LogArchiveTests",
            dependencies: [
                "LogArchive", "logarchive", "logarchive-bench-writer",
                // To parse a subcommand and run it against a context of the test's own.
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Each file imports the modules whose members it uses: none compiles only because another file
// of its module imported Foundation.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
