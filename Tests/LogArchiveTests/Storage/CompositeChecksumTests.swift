import Foundation
@testable import LogArchive
import Testing

/// A multipart object's composite checksum, as servers write it: AWS appends "-N", the number of
/// parts; others give the digest alone.
@Suite struct CompositeChecksumTests {
    @Test func aCompositeMatchesWithOrWithoutThePartCount() {
        let digest = Checksum.of(Array("parts".utf8)).base64
        #expect(MultipartUpload.composite(digest + "-18", matches: digest, partCount: 18))
        #expect(MultipartUpload.composite(digest, matches: digest, partCount: 18))
    }

    @Test func aCompositeWithAnotherDigestOrPartCountDoesNotMatch() {
        let digest = Checksum.of(Array("parts".utf8)).base64
        let other = Checksum.of(Array("other".utf8)).base64
        #expect(!MultipartUpload.composite(other, matches: digest, partCount: 18))
        #expect(!MultipartUpload.composite(other + "-18", matches: digest, partCount: 18))
        #expect(!MultipartUpload.composite(digest + "-17", matches: digest, partCount: 18))
        #expect(!MultipartUpload.composite(digest + "-", matches: digest, partCount: 18))
    }

    /// A HEAD's checksum is the object's SHA-256 only for a single-part object; a multipart one
    /// is known by its ETag, whether or not the server marks its composite checksum.
    @Test func aMultipartObjectIsKnownByItsETag() {
        #expect(S3Store.isMultipart(etag: "\"f65d0405c0629fdf46b5c2e2f4870200-3\""))
        #expect(S3Store.isMultipart(etag: "f65d0405c0629fdf46b5c2e2f4870200-12"))
        #expect(!S3Store.isMultipart(etag: "\"f65d0405c0629fdf46b5c2e2f4870200\""))
        #expect(!S3Store.isMultipart(etag: "\"f65d0405c0629fdf46b5c2e2f4870200-\""))
        #expect(!S3Store.isMultipart(etag: nil))
    }
}
