/// A JSON document as a value. Objects keep their keys in order, so that a file we rewrite keeps
/// the order a person (or the original workflow) wrote, and fields we do not know survive a rewrite.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// An ordered JSON object. A small object (the index's entries and logs have 16 keys or fewer)
/// finds a key by scanning its members, cheaper than hashing every key it holds; past
/// `scanLimit` members a dictionary of positions is built, so that a hostile document with a
/// million keys costs linear time to parse and rewrite, not quadratic.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]
    /// Built once the object has more than `scanLimit` members.
    private var positions: [String: Int]?
    static let scanLimit = 16

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = []
        positions = nil
        for member in members { self[member.key] = member.value }
    }

    public subscript(key: String) -> JSONValue? {
        get { index(forKey: key).map { members[$0].value } }
        set {
            if let index = index(forKey: key) {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                    guard positions != nil else { return }
                    positions?[key] = nil
                    for later in index..<members.count { positions?[members[later].key] = later }
                }
            } else if let newValue {
                appendNew(key: key, value: newValue)
            }
        }
    }

    public var keys: [String] { members.map(\.key) }

    func index(forKey key: String) -> Int? {
        if let positions { return positions[key] }
        // Comparing lengths first skips most unequal keys without comparing their bytes.
        let length = key.utf8.count
        return members.firstIndex { $0.key.utf8.count == length && $0.key == key }
    }

    /// Appends a member whose key the caller has checked is not present.
    mutating func appendNew(key: String, value: JSONValue) {
        members.append((key, value))
        if positions != nil {
            positions?[key] = members.count - 1
        } else if members.count > Self.scanLimit {
            var built = [String: Int](minimumCapacity: members.count * 2)
            for (offset, member) in members.enumerated() { built[member.key] = offset }
            positions = built
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

extension JSONValue {
    public init(_ string: String?) {
        self = string.map(JSONValue.string) ?? .null
    }

    public init(_ integer: Int64?) {
        self = integer.map(JSONValue.integer) ?? .null
    }
}
