import Glibc

/// String path helpers: the archive works with POSIX paths, not URLs, because file names may be
/// any bytes but `/` and NUL.
public enum Paths {
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    public static func lastComponent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    public static func join(_ base: String, _ component: String) -> String {
        if base.hasSuffix("/") { return base + component }
        return base + "/" + component
    }

    /// An absolute, normalised path (`.` and `..` folded) without resolving symlinks.
    public static func absolute(_ path: String, relativeTo base: String) -> String {
        let full = path.hasPrefix("/") ? path : join(base, path)
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    public static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    /// `child` relative to `base` when it lies inside it, else nil.
    public static func relative(_ child: String, to base: String) -> String? {
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard child.hasPrefix(prefix) else { return child == base ? "" : nil }
        return String(child.dropFirst(prefix.count))
    }
}
