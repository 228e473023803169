extension Settings {
    /// The retry rules with these settings' backoff scale; refused, naming the variable, when the
    /// scale is not a number.
    public func retryPolicy() throws(ArchiveError) -> RetryPolicy {
        try RetryPolicy.scaled(by: backoffScale)
    }
}
