import CLibevent

/// Identifies one admitted request; the only thing about it (besides values) that leaves the loop.
///
/// A slot index plus a generation, so a token from a request that was already answered (for
/// example by the reply deadline) can never reach a newer request that reuses the slot.
struct RequestToken: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
}

/// The loop's table of requests waiting for a handler's reply. Loop-confined.
///
/// A slab (array plus free list) for O(1) insert and remove without hashing, threaded with an
/// intrusive doubly-linked list in admission order. Every request gets the same reply deadline,
/// so admission order is deadline order and the list head is always the next to expire.
///
/// An `evhttp_request` pointer stored here stays valid until we reply: in libevent 2.1.12 the
/// connection stops reading while a reply is pending, and a request whose connection fails is
/// detached, not freed (`evhttp_send_reply` then frees it). The exception is `evhttp_free`,
/// so the server answers every entry before freeing its evhttp objects.
struct RequestTable {
    struct Entry {
        var request: UnsafeMutablePointer<evhttp_request>?
        var generation: UInt32 = 0
        var requestID = ""
        var isHead = false
        var deadline: Int64 = 0
        var previous: Int32 = -1
        var next: Int32 = -1
    }

    private var entries: [Entry] = []
    private var freeSlots: [Int32] = []
    private var head: Int32 = -1
    private var tail: Int32 = -1
    private(set) var count = 0

    init(capacity: Int = 0) {
        entries.reserveCapacity(capacity)
        freeSlots.reserveCapacity(capacity)
    }

    mutating func insert(
        _ request: UnsafeMutablePointer<evhttp_request>, requestID: String, isHead: Bool, deadline: Int64
    ) -> RequestToken {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = Int32(entries.count)
            entries.append(Entry())
        }
        let index = Int(slot)
        entries[index].request = request
        entries[index].generation &+= 1
        entries[index].requestID = requestID
        entries[index].isHead = isHead
        entries[index].deadline = deadline
        entries[index].previous = tail
        entries[index].next = -1
        if tail >= 0 { entries[Int(tail)].next = slot } else { head = slot }
        tail = slot
        count += 1
        return RequestToken(slot: slot, generation: entries[index].generation)
    }

    /// Removes and returns the entry, or `nil` if the token is stale (already answered).
    mutating func remove(_ token: RequestToken) -> Entry? {
        let index = Int(token.slot)
        guard index < entries.count, entries[index].generation == token.generation,
              entries[index].request != nil
        else { return nil }
        let entry = entries[index]
        if entry.previous >= 0 { entries[Int(entry.previous)].next = entry.next } else { head = entry.next }
        if entry.next >= 0 { entries[Int(entry.next)].previous = entry.previous } else { tail = entry.previous }
        entries[index].request = nil
        entries[index].requestID = ""
        freeSlots.append(token.slot)
        count -= 1
        return entry
    }

    /// The oldest pending request (the one whose deadline comes first).
    var oldest: (token: RequestToken, deadline: Int64)? {
        guard head >= 0 else { return nil }
        let entry = entries[Int(head)]
        return (RequestToken(slot: head, generation: entry.generation), entry.deadline)
    }
}
