/// Length limits of request fields, and the one check every entry point uses: a value too long, or holding a NUL
/// character (PostgreSQL refuses NUL in text and SQLite would cut the text there), is a 422 naming the field.
public enum FieldLimits {
    public static let recipient = 320
    public static let sender = 64
    public static let subject = 998
    public static let tag = 128
    public static let url = 2048
    public static let name = 200
    public static let idempotencyKey = 255
    public static let variable = 4096

    /// nil when `value` fits; else what is wrong with `field` and how to fix it.
    public static func check(_ value: String?, field: String, limit: Int) -> FieldError? {
        guard let value else { return nil }
        if value.utf8.contains(0) {
            return FieldError(field: field, problem: "\(field) contains a NUL character (\\u0000)", fix: "remove the NUL character from \(field)")
        }
        let count = value.count
        if value.utf8.count > limit * 4 || count > limit {
            return FieldError(field: field, problem: "\(field) is \(count) characters long", fix: "use at most \(limit) characters")
        }
        return nil
    }
}
