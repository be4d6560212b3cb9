/// A gate tests open by hand, so a fake call can be held in flight until the test has seen what it
/// waits for.
public actor Gate {
    private var isOpen: Bool
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(open: Bool) { isOpen = open }

    /// Returns at once while open; otherwise when ``open()`` is called.
    public func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Opens the gate for every waiter, present and future.
    public func open() {
        isOpen = true
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}
