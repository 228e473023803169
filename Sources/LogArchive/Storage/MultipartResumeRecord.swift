import Glibc
import Crypto

/// What a multipart upload needs to resume after its run stopped (killed, or failed and run again
/// with `--retry`): the file it was taken from (size, SHA-256, part size), the upload's ID, and each
/// part's SHA-256, taken from the file before the first part was sent. Kept as a small JSON file
/// beside the upload journal; removed once the object is stored or the upload aborted.
///
/// A part the store already holds is kept only where the store's digest of it is this part's: its
/// SHA-256 against the recorded one, or, from a store whose listing gives none, its ETag (the MD5
/// of its bytes) against the MD5 of the part read now. The record counts only while the file is
/// the one it was taken from (same size and whole-file SHA-256), so the part read now is the part
/// then; otherwise the upload is aborted and sent whole. Records written by earlier versions also
/// hold each part's MD5, which is used as it is.
struct MultipartResumeRecord: Equatable, Sendable {
    let key: String
    let size: Int64
    let partSize: Int64
    let expected: Checksum
    var uploadID: String?
    let parts: [PartDigest]

    struct PartDigest: Equatable, Sendable {
        let sha256: Checksum
        /// Lowercase hex, as S3 quotes it in a part's ETag: only in records of earlier versions.
        var md5: String? = nil

        /// The SHA-256 of a byte range of a file. (An MD5 for every part as well cost the upload of
        /// a 1 GB file 0.7 s before its first byte, for the rare store that lists no SHA-256.)
        static func of(_ path: String, offset: Int64, length: Int64) throws(FileSystemError) -> PartDigest {
            PartDigest(sha256: try Checksum.ofRange(path, offset: offset, length: length))
        }
    }

    /// The MD5 of a byte range of a file, in lowercase hex as S3 quotes it in a part's ETag.
    static func md5(of path: String, offset: Int64, length: Int64) throws(FileSystemError) -> String {
        var md5 = Insecure.MD5()
        try FileSystem.streamRange(path, offset: offset, length: length) { md5.update(bufferPointer: $0) }
        return md5.finalize().map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
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
                    .array(parts.map { part in
                        .object(JSONObject([("sha256", JSONValue(part.sha256.description))] + (part.md5.map { [("md5", JSONValue($0))] } ?? [])))
                    })
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
            guard case .object(let part) = value, case .string(let digest) = part["sha256"], let checksum = Checksum(digest)
            else { return nil }
            var md5: String?
            if case .string(let text) = part["md5"] { md5 = text }
            parts.append(PartDigest(sha256: checksum, md5: md5))
        }
        var uploadID: String?
        if case .string(let id) = object["upload_id"] { uploadID = id }
        return MultipartResumeRecord(key: key, size: size, partSize: partSize, expected: expected, uploadID: uploadID, parts: parts)
    }
}
