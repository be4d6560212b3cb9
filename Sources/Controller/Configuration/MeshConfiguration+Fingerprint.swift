import ByteCoding

extension MeshConfiguration {
    /// A SHA-256 (hex) over what the workers' outcomes depend on besides the journal and the
    /// outside world: the controller version and the `consul`, `aws` and `mesh` settings.
    ///
    /// Stored in the journal at every start; when it differs from the stored one, parked keys are
    /// woken, since a new Consul token, endpoint, prefix or controller version may be what they
    /// were waiting for. Secrets only go into the hash, and the digest of a random token reveals
    /// nothing. Work-queue tunables and listeners are left out: they change no outcome.
    var workFingerprint: String {
        let text = [
            "version=\(ControllerVersion.current)",
            String(reflecting: consul),
            String(reflecting: aws),
            String(reflecting: mesh),
        ].joined(separator: "\n")
        return Hex.sha256(text)
    }
}
