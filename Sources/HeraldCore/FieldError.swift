/// A request that cannot be stored at all: names the field, the problem and the fix.
///
/// Rendered by the API as `application/problem+json` (422 or 400) and by the CLI as an exit code.
public struct FieldError: Error, Sendable, Hashable {
    /// JSON path of the offending field (`to`, `messages[3].text`).
    public var field: String
    public var problem: String
    public var fix: String
    /// The field is too large rather than wrong (the API answers 413, not 422).
    public var isTooLarge = false

    public init(field: String, problem: String, fix: String) {
        self.field = field
        self.problem = problem
        self.fix = fix
    }

    /// The same error for a field inside a list (`messages[3].`).
    public func nested(in prefix: String) -> FieldError {
        var nested = FieldError(field: prefix + "." + field, problem: problem, fix: fix)
        nested.isTooLarge = isTooLarge
        return nested
    }
}
