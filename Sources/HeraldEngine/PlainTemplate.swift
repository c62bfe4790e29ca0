/// A template made only of text and top-level variable tags (`{{name}}`, `{{{name}}}`, `{{& name}}`), rendered by
/// concatenation.
///
/// Most campaign templates are of this kind ("Hi {{first_name}}, {{offer}}"). For them the Mustache engine's
/// context lookup (a dynamic cast per tag) was the largest CPU cost of a campaign upload after the database writes;
/// the output is the same, since Herald renders text (no HTML escaping) and a variable outside sections is a plain
/// lookup. Any other tag (sections, comments, partials, delimiters, dotted names) makes ``init(_:)`` return nil and
/// the template goes through Mustache.
struct PlainTemplate: Sendable, Hashable {
    enum Piece: Sendable, Hashable {
        case text(String)
        case variable(String)
    }

    let pieces: [Piece]

    init?(_ source: String) {
        var pieces: [Piece] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            var tag = rest[open.upperBound...]
            let triple = tag.first == "{"
            if triple { tag = tag.dropFirst() }
            guard let close = tag.range(of: triple ? "}}}" : "}}") else { return nil }
            var name = tag[..<close.lowerBound].trimmingBlanks()
            if !triple, name.first == "&" { name = name.dropFirst().trimmingBlanks() }
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isNameByte) else { return nil }
            pieces.append(.variable(String(name)))
            rest = tag[close.upperBound...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        self.pieces = pieces
    }

    /// Letters, digits, `_` and `-`: names that mean the same to Mustache and to a dictionary lookup.
    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    /// The text with each variable replaced by its value (an absent one by nothing, as Mustache does).
    func render(_ variables: [String: String]) -> String {
        var output = ""
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .variable(let name): output += variables[name] ?? ""
            }
        }
        return output
    }
}
