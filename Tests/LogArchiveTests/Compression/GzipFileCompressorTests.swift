import Foundation
import Testing
@testable import LogArchive

@Suite struct GzipFileCompressorTests {
    @Test(arguments: [0, 1, 100_000, 3_000_000])
    func outputIsStandardGzipThatRoundTrips(_ size: Int) throws {
        let sandbox = try Sandbox()
        let source = try sandbox.write("input.log", Sandbox.logText(bytes: size))
        let destination = sandbox.path("input.log.gz")
        let result = try GzipFileCompressor(level: 6).compress(source, to: destination)
        try sandbox.shell("gzip -t input.log.gz").requireSuccess()
        try sandbox.shell("gunzip -c input.log.gz | cmp - input.log").requireSuccess()
        let compressed = try sandbox.read("input.log.gz")
        #expect(result.compressedSize == Int64(compressed.count))
        #expect(result.originalSize == Int64(try sandbox.read("input.log").count))
        #expect(result.checksum.hex == SHA256Hex.of(compressed))
        #expect(!sandbox.exists("input.log.gz.tmp"))
    }

    @Test func failureLeavesNoPartialFile() throws {
        let sandbox = try Sandbox()
        #expect(throws: (any Error).self) {
            try GzipFileCompressor().compress(sandbox.path("missing.log"), to: sandbox.path("missing.log.gz"))
        }
        #expect(!sandbox.exists("missing.log.gz"))
        #expect(!sandbox.exists("missing.log.gz.tmp"))
    }

    @Test func recognisesGzipInput() throws {
        let sandbox = try Sandbox()
        try sandbox.write("plain.log", "hello\n")
        try sandbox.shell("gzip -k plain.log").requireSuccess()
        #expect(GzipFileCompressor.isGzip(sandbox.path("plain.log.gz")))
        #expect(!GzipFileCompressor.isGzip(sandbox.path("plain.log")))
    }
}
