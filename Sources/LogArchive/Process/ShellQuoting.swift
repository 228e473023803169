import Foundation

/// Arguments as a shell takes them back: left bare when every character is plainly safe, else
/// single-quoted. Used for the retry command a partial archive prints and the command line
/// `capture` logs.
public enum ShellQuoting {
    public static func quote(_ argument: String) -> String {
        let safe = argument.unicodeScalars.allSatisfy(isSafe)
        if safe && !argument.isEmpty { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let value = scalar.value
        return (48...57).contains(value) || (65...90).contains(value) || (97...122).contains(value)
            || "-_./:=@%+,".unicodeScalars.contains(scalar)
    }
}
