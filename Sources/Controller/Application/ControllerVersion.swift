/// The controller's version, reported by `version`, `/v1/status` and the start-up log.
public enum ControllerVersion {
    public static let current = "0.1.0"
}
