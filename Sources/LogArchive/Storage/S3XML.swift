import Foundation

/// Reads the few small XML documents S3 answers with (errors, listings, multipart replies). They are
/// flat enough that finding elements by name is exact; entities are decoded.
public enum S3XML {
    /// The text of every `<name>…</name>` in `xml`, in order.
    public static func values(_ name: String, in xml: Substring) -> [String] {
        elements(name, in: xml).map { decodeEntities(String($0)) }
    }

    public static func value(_ name: String, in xml: Substring) -> String? {
        values(name, in: xml).first
    }

    /// The raw inside of every `<name>…</name>` (for nested blocks such as `<Contents>`).
    public static func elements(_ name: String, in xml: Substring) -> [Substring] {
        let open = "<\(name)>"
        let close = "</\(name)>"
        var results: [Substring] = []
        var rest = xml
        while let start = rest.range(of: open) {
            let afterOpen = rest[start.upperBound...]
            guard let end = afterOpen.range(of: close) else { break }
            results.append(afterOpen[..<end.lowerBound])
            rest = afterOpen[end.upperBound...]
        }
        return results
    }

    public static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest[rest.index(after: ampersand)...]
            guard let semicolon = afterAmpersand.firstIndex(of: ";"), afterAmpersand.distance(from: afterAmpersand.startIndex, to: semicolon) <= 10
            else {
                result += "&"
                rest = afterAmpersand
                continue
            }
            let entity = afterAmpersand[..<semicolon]
            switch entity {
            case "amp": result += "&"
            case "lt": result += "<"
            case "gt": result += ">"
            case "quot": result += "\""
            case "apos": result += "'"
            default:
                let scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") { scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
                else if entity.hasPrefix("#") { scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init) }
                else { scalar = nil }
                if let scalar { result.unicodeScalars.append(scalar) } else { result += "&\(entity);" }
            }
            rest = afterAmpersand[afterAmpersand.index(after: semicolon)...]
        }
        return result + rest
    }

    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
