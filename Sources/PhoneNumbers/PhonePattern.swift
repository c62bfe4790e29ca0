/// A compiled libphonenumber digit pattern (the regular-expression subset its metadata uses: digits, `\d`,
/// `[...]` classes with ranges, `(...)` and `(?:...)` groups, `|`, `?`, `*`, `+`, `{n}`, `{n,m}`, `$`).
///
/// Matching runs over a number's digits (at most 31) as a set of positions held in a bit mask, so a match
/// costs a few hundred nanoseconds and never backtracks. Captures are not kept.
struct PhonePattern: Sendable {
    indirect enum Node: Sendable {
        /// One digit from the set (bit d set = digit d allowed).
        case digits(UInt16)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int)
        /// `$`: only at the end of the input.
        case end
    }

    let root: Node

    init?(_ source: String) {
        var parser = Parser(characters: Array(source.utf8))
        guard let node = parser.parseAlternation(), parser.position == parser.characters.count else { return nil }
        root = node
    }

    /// Whether the pattern matches all of `digits`.
    func matches(_ digits: [UInt8]) -> Bool {
        guard digits.count < 32 else { return false }
        return Self.ends(root, digits, from: 1) & (1 << UInt32(digits.count)) != 0
    }

    /// Lengths of the prefixes of `digits` the pattern matches (anchored at the start), shortest first.
    func prefixLengths(_ digits: [UInt8]) -> [Int] {
        guard digits.count < 32 else { return [] }
        let mask = Self.ends(root, digits, from: 1)
        return (0...digits.count).filter { mask & (1 << UInt32($0)) != 0 }
    }

    /// Positions reachable after `node`, given the positions (bit mask) it may start at.
    private static func ends(_ node: Node, _ digits: [UInt8], from start: UInt32) -> UInt32 {
        if start == 0 { return 0 }
        switch node {
        case .digits(let set):
            var result: UInt32 = 0
            for position in 0..<digits.count where start & (1 << UInt32(position)) != 0 {
                if set & (1 << UInt16(digits[position])) != 0 { result |= 1 << UInt32(position + 1) }
            }
            return result
        case .sequence(let nodes):
            return nodes.reduce(start) { ends($1, digits, from: $0) }
        case .alternation(let nodes):
            return nodes.reduce(0) { $0 | ends($1, digits, from: start) }
        case .repetition(let child, let min, let max):
            var current = start
            var result: UInt32 = min == 0 ? start : 0
            var count = 0
            while count < max {
                let next = ends(child, digits, from: current)
                count += 1
                if count >= min { result |= next }
                if next == 0 || (next == current && count >= min) { break }
                current = next
                if count > digits.count + 1, count >= min { break }
            }
            return result
        case .end:
            return start & (1 << UInt32(digits.count))
        }
    }

    private struct Parser {
        let characters: [UInt8]
        var position = 0

        private var current: UInt8? { position < characters.count ? characters[position] : nil }

        mutating func parseAlternation() -> Node? {
            var branches: [Node] = []
            while true {
                guard let branch = parseSequence() else { return nil }
                branches.append(branch)
                guard current == UInt8(ascii: "|") else { break }
                position += 1
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseSequence() -> Node? {
            var items: [Node] = []
            while let character = current, character != UInt8(ascii: "|"), character != UInt8(ascii: ")") {
                guard let atom = parseAtom(), let item = parseQuantifier(atom) else { return nil }
                items.append(item)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        private mutating func parseAtom() -> Node? {
            guard let character = current else { return nil }
            position += 1
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .digits(1 << UInt16(character - UInt8(ascii: "0")))
            case UInt8(ascii: "\\"):
                guard current == UInt8(ascii: "d") else { return nil }
                position += 1
                return .digits(0x3FF)
            case UInt8(ascii: "$"):
                return .end
            case UInt8(ascii: "("):
                if current == UInt8(ascii: "?") {
                    guard position + 1 < characters.count, characters[position + 1] == UInt8(ascii: ":") else { return nil }
                    position += 2
                }
                guard let inner = parseAlternation(), current == UInt8(ascii: ")") else { return nil }
                position += 1
                return inner
            case UInt8(ascii: "["):
                return parseClass()
            default:
                return nil
            }
        }

        private mutating func parseClass() -> Node? {
            var set: UInt16 = 0
            while let character = current, character != UInt8(ascii: "]") {
                position += 1
                var low = character
                if character == UInt8(ascii: "\\"), current == UInt8(ascii: "d") {
                    position += 1
                    set |= 0x3FF
                    continue
                }
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(low) else { return nil }
                var high = low
                if current == UInt8(ascii: "-"), position + 1 < characters.count, characters[position + 1] != UInt8(ascii: "]") {
                    high = characters[position + 1]
                    position += 2
                    guard (low...UInt8(ascii: "9")).contains(high) else { return nil }
                }
                while low <= high {
                    set |= 1 << UInt16(low - UInt8(ascii: "0"))
                    low += 1
                }
            }
            guard current == UInt8(ascii: "]") else { return nil }
            position += 1
            return .digits(set)
        }

        private mutating func parseQuantifier(_ atom: Node) -> Node? {
            switch current {
            case UInt8(ascii: "?"):
                position += 1
                return .repetition(atom, min: 0, max: 1)
            case UInt8(ascii: "*"):
                position += 1
                return .repetition(atom, min: 0, max: Int.max)
            case UInt8(ascii: "+"):
                position += 1
                return .repetition(atom, min: 1, max: Int.max)
            case UInt8(ascii: "{"):
                position += 1
                guard let low = parseNumber() else { return nil }
                var high = low
                if current == UInt8(ascii: ",") {
                    position += 1
                    high = parseNumber() ?? Int.max
                }
                guard current == UInt8(ascii: "}"), low <= high else { return nil }
                position += 1
                return .repetition(atom, min: low, max: high)
            default:
                return atom
            }
        }

        private mutating func parseNumber() -> Int? {
            var value: Int?
            while let character = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) {
                value = (value ?? 0) * 10 + Int(character - UInt8(ascii: "0"))
                position += 1
            }
            return value
        }
    }
}
