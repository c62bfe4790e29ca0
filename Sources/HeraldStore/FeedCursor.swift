import HeraldCore

/// A position in an account's event feed: the events after it, in feed order, are what a consumer has not seen.
///
/// Feed order is (commit group, sequence): `tx` is the writing transaction on PostgreSQL (0 on SQLite, whose single
/// writer commits in sequence order) and `seq` the event's sequence number. The store only hands out events whose
/// transaction is older than every transaction still running, so no event can ever appear behind a cursor it has
/// given out: a consumer that resumes from its last cursor gets every event exactly once.
public struct FeedCursor: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var tx: Int64
    public var seq: Int64

    public init(tx: Int64 = 0, seq: Int64) {
        self.tx = tx
        self.seq = seq
    }

    /// Before the first event.
    public static let start = FeedCursor(tx: 0, seq: 0)

    /// `"TX_SEQ"`; what `after=` and `Last-Event-ID` take back.
    public var description: String { "\(tx)_\(seq)" }

    /// Parses ``description``; nil for anything else.
    public init?(_ text: String) {
        let pieces = text.split(separator: "_", omittingEmptySubsequences: false)
        guard pieces.count == 2, let tx = Int64(pieces[0]), let seq = Int64(pieces[1]), tx >= 0, seq >= 0 else { return nil }
        self.init(tx: tx, seq: seq)
    }

    public static func < (lhs: FeedCursor, rhs: FeedCursor) -> Bool {
        lhs.tx != rhs.tx ? lhs.tx < rhs.tx : lhs.seq < rhs.seq
    }
}

/// One event of an account's feed with its position.
public struct FeedEvent: Sendable, Hashable {
    public var cursor: FeedCursor
    public var event: HeraldCore.StatusEvent

    public init(cursor: FeedCursor, event: HeraldCore.StatusEvent) {
        self.cursor = cursor
        self.event = event
    }
}
