/// Reads typed fields out of a JSON object and names the exact place (`archives[2].logs[0].size_bytes`)
/// when a document does not have the expected shape. Fields it was not asked for are kept, so a
/// rewrite preserves what another tool (or a later version) added.
public struct JSONObjectReader {
    public struct ShapeError: Error, Sendable, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// A well-formed value the rules refuse (a key outside its issue's folder): bad input, not corruption.
        public var isRefusedValue = false
        public var description: String { "\(path): \(reason)" }
    }

    public let path: String
    private let object: JSONObject
    /// By member position: marking a position costs no hashing of the key.
    private var consumed: [Bool]
    /// Where the next asked-for key probably is: readers ask in the order the writer writes.
    private var likelyNext = 0

    public init(_ value: JSONValue, path: String) throws(ShapeError) {
        guard case .object(let object) = value else {
            throw ShapeError(path: path, reason: "expected an object, found \(value.kindName)")
        }
        self.object = object
        self.path = path
        consumed = Array(repeating: false, count: object.members.count)
    }

    private func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func take(_ key: String) -> JSONValue? {
        let index: Int
        if likelyNext < object.members.count, object.members[likelyNext].key == key {
            index = likelyNext
        } else if let found = object.index(forKey: key) {
            index = found
        } else {
            return nil
        }
        consumed[index] = true
        likelyNext = index + 1
        let value = object.members[index].value
        return value == .null ? nil : value
    }

    private func mismatch(_ key: String, _ expected: String, _ found: JSONValue) -> ShapeError {
        ShapeError(path: fieldPath(key), reason: "expected \(expected), found \(found.kindName)")
    }

    public mutating func optionalString(_ key: String) throws(ShapeError) -> String? {
        guard let value = take(key) else { return nil }
        guard case .string(let string) = value else { throw mismatch(key, "a string", value) }
        return string
    }

    public mutating func optionalObject(_ key: String) throws(ShapeError) -> JSONObject? {
        guard let value = take(key) else { return nil }
        guard case .object(let object) = value else { throw mismatch(key, "an object", value) }
        return object
    }

    public mutating func string(_ key: String) throws(ShapeError) -> String {
        guard let string = try optionalString(key) else {
            throw ShapeError(path: fieldPath(key), reason: "is missing")
        }
        return string
    }

    public mutating func optionalInteger(_ key: String) throws(ShapeError) -> Int64? {
        guard let value = take(key) else { return nil }
        switch value {
        case .integer(let integer): return integer
        case .double(let double) where double == double.rounded() && abs(double) < 9e18: return Int64(double)
        default: throw mismatch(key, "an integer", value)
        }
    }

    public mutating func optionalDouble(_ key: String) throws(ShapeError) -> Double? {
        guard let value = take(key) else { return nil }
        switch value {
        case .integer(let integer): return Double(integer)
        case .double(let double): return double
        default: throw mismatch(key, "a number", value)
        }
    }

    public mutating func optionalBool(_ key: String) throws(ShapeError) -> Bool? {
        guard let value = take(key) else { return nil }
        guard case .bool(let flag) = value else { throw mismatch(key, "true or false", value) }
        return flag
    }

    public mutating func optionalEnum<T: RawRepresentable>(_ key: String, _ type: T.Type) throws(ShapeError) -> T?
    where T.RawValue == String, T: CaseIterable {
        guard let raw = try optionalString(key) else { return nil }
        guard let value = T(rawValue: raw) else {
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ShapeError(path: fieldPath(key), reason: "\"\(raw)\" is not one of \(allowed)")
        }
        return value
    }

    /// The elements of an array field, each with its own path (`logs[3]`).
    public mutating func array(_ key: String, required: Bool = true) throws(ShapeError) -> [(JSONValue, String)] {
        guard let value = take(key) else {
            if required { throw ShapeError(path: fieldPath(key), reason: "is missing") }
            return []
        }
        guard case .array(let elements) = value else { throw mismatch(key, "an array", value) }
        let arrayPath = fieldPath(key)
        return elements.enumerated().map { ($1, arrayPath + "[" + String($0) + "]") }
    }

    /// Members this reader was never asked about, in their original order.
    public var unknownMembers: JSONObject {
        JSONObject(zip(object.members, consumed).filter { !$1 }.map(\.0))
    }
}

extension JSONObject {
    /// Appends members whose keys are not already present: used to carry unknown fields over.
    public mutating func appendMissing(from other: JSONObject) {
        for member in other.members where self[member.key] == nil {
            self[member.key] = member.value
        }
    }
}
