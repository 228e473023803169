import Glibc
import Crypto

/// What a multipart upload needs to resume after its run stopped (killed, or failed and run again
/// with `--retry`): the file it was taken from (size, SHA-256, part size), the upload's ID, and each
/// part's digests, taken from the file before the first part was sent. Kept as a small JSON file
/// beside the upload journal; removed once the object is stored or the upload aborted.
///
/// A part the store already holds is kept only where the store's digest of it (its SHA-256, or
/// failing that its ETag, the MD5 of its bytes) is the recorded one. The record counts only while
/// the file is the one it was taken from; otherwise the upload is aborted and sent whole.
struct MultipartResumeRecord: Equatable, Sendable {
    let key: String
    let size: Int64
    let partSize: Int64
    let expected: Checksum
    var uploadID: String?
    let parts: [PartDigest]

    struct PartDigest: Equatable, Sendable {
        let sha256: Checksum
        /// Lowercase hex, as S3 quotes it in a part's ETag.
        let md5: String

        /// Both digests of a byte range of a file, in one read.
        static func of(_ path: String, offset: Int64, length: Int64) throws(FileSystemError) -> PartDigest {
            var sha256 = SHA256()
            var md5 = Insecure.MD5()
            try FileSystem.streamRange(path, offset: offset, length: length) { chunk in
                sha256.update(bufferPointer: chunk)
                md5.update(bufferPointer: chunk)
            }
            let md5Hex = md5.finalize().map { byte in
                let text = String(byte, radix: 16)
                return byte < 16 ? "0" + text : text
            }.joined()
            return PartDigest(sha256: Checksum(digest: sha256.finalize()), md5: md5Hex)
        }
    }

    /// Whether this record was taken from the file the caller is about to send.
    func describes(key: String, size: Int64, partSize: Int64, expected: Checksum) -> Bool {
        self.key == key && self.size == size && self.partSize == partSize && self.expected == expected
            && parts.count == Int((size + partSize - 1) / partSize)
    }

    func write(to path: String) throws(FileSystemError) {
        let json = JSONValue.object(
            JSONObject([
                ("key", JSONValue(key)), ("size", JSONValue(size)), ("part_size", JSONValue(partSize)),
                ("sha256", JSONValue(expected.description)), ("upload_id", JSONValue(uploadID)),
                (
                    "parts",
                    .array(parts.map { .object(JSONObject([("sha256", JSONValue($0.sha256.description)), ("md5", JSONValue($0.md5))])) })
                ),
            ]))
        try FileSystem.writeAtomically(Array((JSONWriter.compact(json) + "\n").utf8), to: path)
    }

    /// The record at `path`, or nil when there is none or it cannot be read (then nothing resumes).
    static func read(from path: String) -> MultipartResumeRecord? {
        guard let bytes = try? FileSystem.readAll(path, limit: 64 << 20), let json = try? JSONParser.parse(bytes),
            case .object(let object) = json,
            case .string(let key) = object["key"], case .integer(let size) = object["size"],
            case .integer(let partSize) = object["part_size"], partSize > 0,
            case .string(let sha256) = object["sha256"], let expected = Checksum(sha256),
            case .array(let partValues) = object["parts"]
        else { return nil }
        var parts: [PartDigest] = []
        for value in partValues {
            guard case .object(let part) = value, case .string(let digest) = part["sha256"], let checksum = Checksum(digest),
                case .string(let md5) = part["md5"]
            else { return nil }
            parts.append(PartDigest(sha256: checksum, md5: md5))
        }
        var uploadID: String?
        if case .string(let id) = object["upload_id"] { uploadID = id }
        return MultipartResumeRecord(key: key, size: size, partSize: partSize, expected: expected, uploadID: uploadID, parts: parts)
    }
}
