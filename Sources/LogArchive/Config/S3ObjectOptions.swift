/// What every object logarchive writes to S3 carries besides its bytes: a storage class,
/// server-side encryption and tags (`--storage-class`, `--sse`, `--sse-kms-key-id`, `--tags`).
/// Each PUT and each CreateMultipartUpload sends them as `x-amz-*` headers, which are signed.
public struct S3ObjectOptions: Sendable, Equatable {
    public var storageClass: String?
    public var serverSideEncryption: ServerSideEncryption?
    /// Only with `aws:kms`; without it S3 uses the account's default KMS key.
    public var kmsKeyID: String?
    /// In the order given; keys are unique.
    public var tags: [Tag]

    public init(
        storageClass: String? = nil, serverSideEncryption: ServerSideEncryption? = nil, kmsKeyID: String? = nil,
        tags: [Tag] = []
    ) {
        self.storageClass = storageClass
        self.serverSideEncryption = serverSideEncryption
        self.kmsKeyID = kmsKeyID
        self.tags = tags
    }

    public enum ServerSideEncryption: String, Sendable, Equatable, CaseIterable {
        case aes256 = "AES256"
        case awsKMS = "aws:kms"
    }

    public struct Tag: Sendable, Equatable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The storage classes S3's PutObject accepts.
    public static let storageClasses = [
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE",
        "GLACIER_IR", "OUTPOSTS", "EXPRESS_ONEZONE",
    ]
    /// S3's limits on object tags.
    public static let maximumTags = 10
    public static let maximumTagKeyLength = 128
    public static let maximumTagValueLength = 256

    public var isEmpty: Bool { storageClass == nil && serverSideEncryption == nil && kmsKeyID == nil && tags.isEmpty }

    /// The headers that carry the options, for a PUT or a CreateMultipartUpload.
    public var headers: [(String, String)] {
        var headers: [(String, String)] = []
        if let storageClass { headers.append(("x-amz-storage-class", storageClass)) }
        if let serverSideEncryption { headers.append(("x-amz-server-side-encryption", serverSideEncryption.rawValue)) }
        if let kmsKeyID { headers.append(("x-amz-server-side-encryption-aws-kms-key-id", kmsKeyID)) }
        if !tags.isEmpty { headers.append(("x-amz-tagging", taggingHeader)) }
        return headers
    }

    /// `k1=v1&k2=v2`, URL-encoded as S3 reads the `x-amz-tagging` header.
    public var taggingHeader: String {
        tags.map { S3Addressing.encode($0.key) + "=" + S3Addressing.encode($0.value) }.joined(separator: "&")
    }

    /// `issue=123,reason=issue_closed`: the form `--tags` takes, for messages and `status`.
    public var tagsText: String { tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }

    // MARK: Parsing and validation, each naming where the value came from (`source`).

    public static func storageClass(_ text: String, source: String) throws(ArchiveError) -> String {
        let upper = text.uppercased()
        guard storageClasses.contains(upper) else {
            throw .badInput("invalid \(source) '\(text)': use one of \(storageClasses.joined(separator: ", "))")
        }
        return upper
    }

    public static func serverSideEncryption(_ text: String, source: String) throws(ArchiveError) -> ServerSideEncryption
    {
        // AWS spells them AES256 and aws:kms; any case is taken, the header gets AWS's spelling.
        guard let value = ServerSideEncryption.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() })
        else {
            throw .badInput("invalid \(source) '\(text)': use AES256 or aws:kms")
        }
        return value
    }

    public static func kmsKeyID(_ text: String, source: String) throws(ArchiveError) -> String {
        guard !text.isEmpty, text.count <= 2048, text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            throw .badInput("invalid \(source) '\(text)': a KMS key id, ARN or alias/NAME, without spaces")
        }
        return text
    }

    /// `k=v,k2=v2`. Keys and values follow S3's rules: 1–128 and 0–256 characters of letters,
    /// digits, spaces and `+ - = . _ : / @`; at most 10 tags, no key twice, no `aws:` prefix.
    public static func tags(_ text: String, source: String) throws(ArchiveError) -> [Tag] {
        var tags: [Tag] = []
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = pair.trimmingWhitespace()
            guard let equals = item.firstIndex(of: "=") else {
                throw .badInput("invalid \(source) '\(text)': '\(item)' is not key=value")
            }
            let key = String(item[..<equals]).trimmingWhitespace()
            let value = String(item[item.index(after: equals)...]).trimmingWhitespace()
            guard (1...maximumTagKeyLength).contains(key.count), key.allSatisfy(isTagCharacter) else {
                throw .badInput(
                    "invalid \(source): the tag key '\(key)' must be 1 to \(maximumTagKeyLength) letters, digits, spaces or + - = . _ : / @"
                )
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw .badInput("invalid \(source): the tag key '\(key)' starts with aws:, which AWS keeps for itself")
            }
            guard value.count <= maximumTagValueLength, value.allSatisfy(isTagCharacter) else {
                throw .badInput(
                    "invalid \(source): the value of tag '\(key)' must be at most \(maximumTagValueLength) letters, digits, spaces or + - = . _ : / @"
                )
            }
            guard !tags.contains(where: { $0.key == key }) else {
                throw .badInput("invalid \(source): the tag key '\(key)' is given twice")
            }
            tags.append(Tag(key: key, value: value))
        }
        guard tags.count <= maximumTags else {
            throw .badInput("invalid \(source): \(tags.count) tags, and S3 takes at most \(maximumTags) per object")
        }
        return tags
    }

    private static func isTagCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == " " || "+-=._:/@".contains(character)
    }

    /// Checks what only the options together can say: a KMS key is for `aws:kms`.
    public func validated(kmsKeySource: String) throws(ArchiveError) -> S3ObjectOptions {
        if kmsKeyID != nil, serverSideEncryption != .awsKMS {
            throw .badInput("\(kmsKeySource) names a KMS key, which is only used with --sse aws:kms")
        }
        return self
    }
}

// MARK: In the index entry and the manifest

extension S3ObjectOptions {
    /// `"s3_object_options": {"storage_class": …, "server_side_encryption": …, "sse_kms_key_id": …,
    /// "tags": {"issue": "123"}}`, each member present only when set.
    public var json: JSONValue {
        var object = JSONObject()
        if let storageClass { object["storage_class"] = .string(storageClass) }
        if let serverSideEncryption { object["server_side_encryption"] = .string(serverSideEncryption.rawValue) }
        if let kmsKeyID { object["sse_kms_key_id"] = .string(kmsKeyID) }
        if !tags.isEmpty {
            var tagObject = JSONObject()
            for tag in tags { tagObject[tag.key] = .string(tag.value) }
            object["tags"] = .object(tagObject)
        }
        return .object(object)
    }

    public init(json value: JSONValue, path: String) throws(JSONObjectReader.ShapeError) {
        var reader = try JSONObjectReader(value, path: path)
        storageClass = try reader.optionalString("storage_class")
        serverSideEncryption = try reader.optionalEnum("server_side_encryption", ServerSideEncryption.self)
        kmsKeyID = try reader.optionalString("sse_kms_key_id")
        tags = []
        if let object = try reader.optionalObject("tags") {
            for (key, value) in object.members {
                guard case .string(let text) = value else {
                    throw JSONObjectReader.ShapeError(path: "\(path).tags.\(key)", reason: "not a string")
                }
                tags.append(Tag(key: key, value: text))
            }
        }
    }
}
