/// How a rotation is reported: one line for people, one JSON object (`log-archived`) for scripts.
extension LogRotator.Rotation {
    public var summary: String {
        "log-archived \(source) → \(archive) (\(ByteCount.format(originalBytes)) → \(ByteCount.format(compressedBytes)), \(Wording.sizeChange(from: originalBytes, to: compressedBytes)))"
    }

    public func json(at time: UTCTimestamp = .now()) -> JSONValue {
        var object = JSONObject()
        object["event"] = .string("log-archived")
        object["file"] = .string(source)
        object["archive"] = .string(archive)
        object["original_bytes"] = JSONValue(originalBytes)
        object["compressed_bytes"] = JSONValue(compressedBytes)
        object["checksum"] = .string(checksum.description)
        object["passes"] = JSONValue(Int64(passes))
        object["late_members"] = JSONValue(Int64(lateMembers))
        object["archived_at"] = .string(time.iso8601)
        return .object(object)
    }
}

extension LogRotator.Outcome {
    /// The line or JSON object `rotate` prints.
    public func report(json: Bool, threshold: Int64, file: String) -> String {
        switch self {
        case .rotated(let rotation):
            return json ? JSONWriter.compact(rotation.json()) : rotation.summary
        case .belowThreshold(let size):
            if json {
                var object = JSONObject()
                object["event"] = .string("below-threshold")
                object["file"] = .string(file)
                object["size_bytes"] = JSONValue(size)
                object["threshold_bytes"] = JSONValue(threshold)
                return JSONWriter.compact(.object(object))
            }
            return "\(file) is \(ByteCount.format(size)), not over the \(ByteCount.format(threshold)) threshold: nothing to do"
        }
    }
}
