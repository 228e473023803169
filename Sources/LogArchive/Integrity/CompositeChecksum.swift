/// The checksum S3 keeps for an object stored in parts: SHA-256 over the parts' SHA-256 digests,
/// written `<base64>-<part count>`. It proves the store assembled exactly the parts it verified,
/// in order. An object sent in parts while it was still being compressed carries no SHA-256 of its
/// own (its metadata is fixed before its last byte exists), so the index records this instead and
/// every later check of the object compares it (`StoredObject.holds`).
public struct CompositeChecksum: Sendable, Equatable, CustomStringConvertible {
    public let digest: Checksum
    public let partCount: Int

    public init(parts: [Checksum]) {
        digest = Checksum.of(parts.flatMap(\.bytes))
        partCount = parts.count
    }

    /// Accepts `<base64>-<count>`, the form this type writes and AWS answers with.
    public init?(_ text: String) {
        guard let dash = text.lastIndex(of: "-"), let count = Int(text[text.index(after: dash)...]), count > 0,
            let digest = Checksum(base64: String(text[..<dash]))
        else { return nil }
        self.digest = digest
        partCount = count
    }

    public var description: String { "\(digest.base64)-\(partCount)" }

    /// Whether the checksum a store reported is this one. AWS writes it as "digest-N"; other
    /// servers give the digest alone: the digest must match, the part count only where stated.
    public func matches(stored: String) -> Bool {
        guard let dash = stored.lastIndex(of: "-") else { return stored == digest.base64 }
        return stored[..<dash] == digest.base64 && stored[stored.index(after: dash)...] == String(partCount)
    }
}
