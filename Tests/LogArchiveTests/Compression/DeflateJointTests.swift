import Foundation
import Testing
@testable import LogArchive

@Suite struct DeflateJointTests {
    /// A raw deflate stream from Python's zlib: `strategy` 0 default, 2 Huffman only, 4 fixed codes.
    static func zlibStream(_ data: Data, level: Int = 6, strategy: Int = 0, in sandbox: Sandbox) throws -> Data {
        try sandbox.write("piece.bin", data)
        try sandbox.shell(
            """
            python3 -c 'import zlib
            c = zlib.compressobj(\(level), zlib.DEFLATED, -15, 8, \(strategy))
            open("piece.deflate", "wb").write(c.compress(open("piece.bin", "rb").read()) + c.flush())'
            """
        ).requireSuccess()
        return try sandbox.read("piece.deflate")
    }

    /// Three streams, the first two made joinable, concatenated, inflate to the three inputs.
    @Test(arguments: [(6, 0), (6, 4), (6, 2), (0, 0), (9, 0)])
    func joinedStreamsInflateToTheConcatenation(_ level: Int, _ strategy: Int) throws {
        let sandbox = try Sandbox()
        let pieces = [
            Data(Sandbox.logText(bytes: 90_000, seed: 7).utf8), Sandbox.randomBytes(20_000), Data("the end\n".utf8),
        ]
        let joint = DeflateJoint()
        var joined = Data()
        for (index, piece) in pieces.enumerated() {
            var stream = try Self.zlibStream(piece, level: level, strategy: strategy, in: sandbox)
            if index < pieces.count - 1 {
                let count = stream.count
                stream.append(Data(count: 5))
                let length = try stream.withUnsafeMutableBytes { try joint.makeJoinable($0, count: count) }
                stream = stream.prefix(length)
                // The sync marker zlib's Z_SYNC_FLUSH writes ends every joinable piece.
                #expect(Array(stream.suffix(4)) == [0, 0, 0xFF, 0xFF])
            }
            joined.append(stream)
        }
        try sandbox.write("joined.deflate", joined)
        try sandbox.write("expected.bin", pieces.reduce(Data(), +))
        try sandbox.shell(
            """
            python3 -c 'import zlib, sys
            d = zlib.decompressobj(-15)
            out = d.decompress(open("joined.deflate", "rb").read())
            sys.exit(0 if d.eof and not d.unused_data and out == open("expected.bin", "rb").read() else 1)'
            """
        ).requireSuccess()
    }

    @Test func aStreamThatEndsInsideABlockIsRefused() throws {
        let sandbox = try Sandbox()
        let stream = try Self.zlibStream(Data(Sandbox.logText(bytes: 50_000).utf8), in: sandbox)
        var truncated = Data(stream.prefix(stream.count / 2))
        let count = truncated.count
        truncated.append(Data(count: 5))
        #expect(throws: CompressionError.self) { try truncated.withUnsafeMutableBytes { try DeflateJoint().makeJoinable($0, count: count) } }
    }
}
