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

/// An ordered JSON object. Keys are found through a dictionary of positions, so that a hostile
/// document with a million keys costs linear time to parse and rewrite, not quadratic.
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]
    private var positions: [String: Int]

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = []
        positions = [:]
        for member in members { self[member.key] = member.value }
    }

    public subscript(key: String) -> JSONValue? {
        get { positions[key].map { members[$0].value } }
        set {
            if let index = positions[key] {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                    positions[key] = nil
                    for later in index..<members.count { positions[members[later].key] = later }
                }
            } else if let newValue {
                positions[key] = members.count
                members.append((key, newValue))
            }
        }
    }

    public var keys: [String] { members.map(\.key) }

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
