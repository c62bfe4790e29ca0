/// Errors a store raises that a caller can act on.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Base: Hashable, Sendable {
        case unsupportedURL(String)
        case corruptRow(String)
        case unavailable(String)
        case database(String)
        case notSetUp
    }

    private let base: Base

    /// The database URL is neither `sqlite:PATH` nor `postgres://...`.
    public static func unsupportedURL(_ url: String) -> StoreError { StoreError(base: .unsupportedURL(url)) }
    /// A stored row could not be read back (a value outside the known vocabulary).
    public static func corruptRow(_ detail: String) -> StoreError { StoreError(base: .corruptRow(detail)) }
    /// The database cannot be reached.
    public static func unavailable(_ detail: String) -> StoreError { StoreError(base: .unavailable(detail)) }
    /// Whether the database could not be reached (a caller may try again shortly).
    public var isUnavailable: Bool {
        if case .unavailable = base { return true }
        return false
    }

    /// The database refused a statement (its own message kept: a failed migration, a constraint).
    public static func database(_ detail: String) -> StoreError { StoreError(base: .database(detail)) }

    /// The database has no Herald schema and the caller may not create one (only `serve` and `migrate` do).
    public static let notSetUp = StoreError(base: .notSetUp)

    public var description: String {
        switch base {
        case .unsupportedURL(let url): "unsupported database URL '\(url)': use sqlite:PATH or postgres://user:password@host:port/database"
        case .corruptRow(let detail): "corrupt row: \(detail)"
        case .unavailable(let detail): "database unavailable: \(detail)"
        case .database(let detail): "database error: \(detail)"
        case .notSetUp: "the database has no Herald schema"
        }
    }
}
