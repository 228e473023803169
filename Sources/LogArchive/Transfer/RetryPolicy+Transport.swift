extension RetryPolicy {
    /// Classifies the failures of an HTTP transfer that no server answered (S3's and GitHub's
    /// answers have rules of their own): a timeout or a lost connection is retried, the rest not.
    public static func classifyTransport(_ error: any Error) -> FailureClass {
        guard let error = error as? HTTPTransportError else { return .permanent }
        switch error.kind {
        case .timeout: return .timeout
        case .connection: return .network
        case .local, .other: return .permanent
        }
    }
}
