/// Told of the keys the queue is about to run, before any worker takes them, so slow lookups they
/// will need can start early and together (``TaskDescribeAhead``).
///
/// Called on the queue's actor: an implementation must return at once and do its work in its own
/// task. What it prepares is a hint only; a worker that finds nothing prepared does the work itself.
public protocol WorkLookahead: Sendable {
    /// `keys` were just scheduled (by ingest, a heartbeat, resync, or the resume at start).
    func upcoming(_ keys: [String])
}
