import Crypto
import Foundation
@testable import LogArchive
import Testing

/// Which stored parts a resumed upload keeps, from a store whose listing gives no SHA-256 (only
/// the ETag, S3's MD5 of the part): the part's MD5 is read from the file then, since the record
/// proves the file unchanged; an earlier version's record brings its own.
@Suite struct MultipartResumeRecordTests {
    static func md5Hex(_ data: Data) -> String { Insecure.MD5.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    @Test func aPartListedWithOnlyItsETagIsKeptWhenItIsTheFilesPart() throws {
        let sandbox = try Sandbox()
        let data = Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let path = try sandbox.write("part.bin", data)
        let parts = [MultipartUpload.Part(number: 1, offset: 0, length: 1000), MultipartUpload.Part(number: 2, offset: 1000, length: 2000)]
        let digests = try parts.map { try MultipartResumeRecord.PartDigest.of(path, offset: $0.offset, length: $0.length) }
        #expect(digests.allSatisfy { $0.md5 == nil })
        let listed = [
            MultipartUpload.ListedPart(number: 1, etag: "\"\(Self.md5Hex(data[0..<1000]))\"", size: 1000, sha256: nil),
            MultipartUpload.ListedPart(number: 2, etag: "\"\(Self.md5Hex(data[0..<2000]))\"", size: 2000, sha256: nil),
        ]
        let kept = MultipartUpload.reusable(listed, of: parts, digests: digests, in: path)
        #expect(Set(kept.keys) == [1], "part 2's ETag is another range's MD5")
        #expect(kept[1]?.checksum == digests[0].sha256)
    }

    @Test func aRecordWithoutMD5sReadsBackAndAnOldOneKeepsThem() throws {
        let digest = MultipartResumeRecord.PartDigest(sha256: Checksum.of([1]))
        let old = MultipartResumeRecord.PartDigest(sha256: Checksum.of([2]), md5: "0123456789abcdef0123456789abcdef")
        let record = MultipartResumeRecord(
            key: "k", size: 10, partSize: 5, expected: Checksum.of([3]), uploadID: "u", parts: [digest, old])
        let sandbox = try Sandbox()
        let path = sandbox.path("record.json")
        try record.write(to: path)
        #expect(MultipartResumeRecord.read(from: path) == record)
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).contains("\"md5\":null"))
    }
}
