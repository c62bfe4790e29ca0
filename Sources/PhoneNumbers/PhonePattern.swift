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

    /// The pattern flattened into one array (children by index), so matching walks plain values with no
    /// reference counting: the tree form costs about ten times more per match.
    private struct Flat: Sendable {
        /// 0 digits, 1 sequence, 2 alternation, 3 repetition, 4 end.
        var kind: UInt8
        var set: UInt16
        var min: Int32
        var max: Int32
        /// Range of this node's children in `children`.
        var first: Int32
        var count: Int32
    }

    private let nodes: [Flat]
    private let children: [Int32]
    private let root: Int32
    /// The pattern as written in the metadata.
    let source: String

    init?(_ source: String) {
        self.source = source
        var parser = Parser(characters: Array(source.utf8))
        guard let node = parser.parseAlternation(), parser.position == parser.characters.count else { return nil }
        var nodes: [Flat] = []
        var children: [Int32] = []
        root = Self.flatten(node, into: &nodes, children: &children)
        self.nodes = nodes
        self.children = children
    }

    private static func flatten(_ node: Node, into nodes: inout [Flat], children: inout [Int32]) -> Int32 {
        let index = Int32(nodes.count)
        nodes.append(Flat(kind: 0, set: 0, min: 0, max: 0, first: 0, count: 0))
        var flat: Flat
        switch node {
        case .digits(let set):
            flat = Flat(kind: 0, set: set, min: 0, max: 0, first: 0, count: 0)
        case .sequence(let items), .alternation(let items):
            let indices = items.map { flatten($0, into: &nodes, children: &children) }
            flat = Flat(kind: { if case .sequence = node { 1 } else { 2 } }(), set: 0, min: 0, max: 0, first: Int32(children.count), count: Int32(indices.count))
            children += indices
        case .repetition(let child, let min, let max):
            let childIndex = flatten(child, into: &nodes, children: &children)
            flat = Flat(kind: 3, set: 0, min: Int32(clamping: min), max: Int32(clamping: max), first: Int32(children.count), count: 1)
            children.append(childIndex)
        case .end:
            flat = Flat(kind: 4, set: 0, min: 0, max: 0, first: 0, count: 0)
        }
        nodes[Int(index)] = flat
        return index
    }

    /// Whether the pattern matches all of `digits`.
    func matches(_ digits: [UInt8]) -> Bool {
        guard digits.count < 32 else { return false }
        return ends(digits, from: 1) & (1 << UInt32(digits.count)) != 0
    }

    /// Lengths of the prefixes of `digits` the pattern matches (anchored at the start), shortest first.
    func prefixLengths(_ digits: [UInt8]) -> [Int] {
        guard digits.count < 32 else { return [] }
        let mask = ends(digits, from: 1)
        return (0...digits.count).filter { mask & (1 << UInt32($0)) != 0 }
    }

    private func ends(_ digits: [UInt8], from start: UInt32) -> UInt32 {
        nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                digits.withUnsafeBufferPointer { digits in
                    Self.ends(root, nodes, children, digits, from: start)
                }
            }
        }
    }

    /// Positions reachable after node `index`, given the positions (bit mask) it may start at.
    private static func ends(_ index: Int32, _ nodes: UnsafeBufferPointer<Flat>, _ children: UnsafeBufferPointer<Int32>,
                             _ digits: UnsafeBufferPointer<UInt8>, from start: UInt32) -> UInt32 {
        if start == 0 { return 0 }
        let node = nodes[Int(index)]
        switch node.kind {
        case 0:
            // Only the positions in the mask (usually one or two), not every digit.
            var result: UInt32 = 0
            var pending = start & ((1 << UInt32(digits.count)) - 1)
            while pending != 0 {
                let position = pending.trailingZeroBitCount
                pending &= pending - 1
                if node.set & (1 << UInt16(digits[position])) != 0 { result |= 1 << UInt32(position + 1) }
            }
            return result
        case 1:
            var mask = start
            for offset in 0..<Int(node.count) {
                mask = ends(children[Int(node.first) + offset], nodes, children, digits, from: mask)
                if mask == 0 { return 0 }
            }
            return mask
        case 2:
            var mask: UInt32 = 0
            for offset in 0..<Int(node.count) {
                mask |= ends(children[Int(node.first) + offset], nodes, children, digits, from: start)
            }
            return mask
        case 3:
            let child = children[Int(node.first)]
            var current = start
            var result: UInt32 = node.min == 0 ? start : 0
            var count: Int32 = 0
            while count < node.max {
                let next = ends(child, nodes, children, digits, from: current)
                count += 1
                if count >= node.min { result |= next }
                if next == 0 || (next == current && count >= node.min) { break }
                current = next
                if Int(count) > digits.count + 1, count >= node.min { break }
            }
            return result
        default:
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
