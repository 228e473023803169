import Foundation
@testable import LogArchive
import Testing

/// A multipart object's composite checksum, as servers write it: AWS appends "-N", the number of
/// parts; others give the digest alone.
@Suite struct CompositeChecksumTests {
    /// Eighteen parts' digests, and their composite.
    static let parts = (1...18).map { Checksum.of(Array("part \($0)".utf8)) }

    @Test func aCompositeMatchesWithOrWithoutThePartCount() {
        let composite = CompositeChecksum(parts: Self.parts)
        let digest = composite.digest.base64
        #expect(digest == Checksum.of(Self.parts.flatMap(\.bytes)).base64)
        #expect(composite.matches(stored: digest + "-18"))
        #expect(composite.matches(stored: digest))
    }

    @Test func aCompositeWithAnotherDigestOrPartCountDoesNotMatch() {
        let composite = CompositeChecksum(parts: Self.parts)
        let digest = composite.digest.base64
        let other = CompositeChecksum(parts: Array(Self.parts.reversed())).digest.base64
        #expect(!composite.matches(stored: other))
        #expect(!composite.matches(stored: other + "-18"))
        #expect(!composite.matches(stored: digest + "-17"))
        #expect(!composite.matches(stored: digest + "-"))
    }

    /// The index keeps it as S3 writes it, and reads back only that form.
    @Test func aCompositeReadsBackFromItsText() {
        let composite = CompositeChecksum(parts: Self.parts)
        #expect(composite.description.hasSuffix("-18"))
        #expect(CompositeChecksum(composite.description) == composite)
        #expect(CompositeChecksum(composite.digest.base64) == nil)
        #expect(CompositeChecksum(composite.digest.base64 + "-0") == nil)
        #expect(CompositeChecksum("not base64-3") == nil)
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
