// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for LogArchive's parsers of untrusted input, one executable per parser
// family. A package of its own so the sanitizer and testability flags stay off the main build;
// scripts/fuzz.sh builds it (`--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc
// -enable-testing`) and runs each target. libFuzzer provides `main`; each target exports
// `LLVMFuzzerTestOneInput` and reaches the internal parsers through `@testable import`.
let package = Package(
    name: "logarchive-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        // The root package, through the symlink Fuzz/logarchive -> `..`: SwiftPM names a path
        // dependency by its folder, and `..` would be named after wherever the clone lives (in a
        // clone named `fuzz`, the same name as this package). The symlink names it `logarchive`.
        .package(path: "logarchive"),
    ],
    targets: [
        // What more than one target needs.
        .target(name: "FuzzSupport"),
        // The JSON parser (strict and with comments), the archive index and the config file.
        .executableTarget(name: "fuzz-index", dependencies: [.product(name: "LogArchive", package: "logarchive")]),
        // S3's XML answers and S3 error responses.
        .executableTarget(name: "fuzz-s3-xml", dependencies: ["FuzzSupport", .product(name: "LogArchive", package: "logarchive")]),
        // GitHub's issue, comment-list and error answers and the `Link` header.
        .executableTarget(name: "fuzz-github", dependencies: ["FuzzSupport", .product(name: "LogArchive", package: "logarchive")]),
        // A session log's front matter and ISO 8601 timestamps.
        .executableTarget(name: "fuzz-front-matter", dependencies: [.product(name: "LogArchive", package: "logarchive")]),
    ],
    swiftLanguageModes: [.v6]
)
