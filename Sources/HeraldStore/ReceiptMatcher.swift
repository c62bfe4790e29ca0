import struct Foundation.Date
import struct Foundation.TimeInterval
import HeraldCore

/// Decides which submission a receipt answers, among every correlation stored under any form of its id.
///
/// Pure (no I/O); both store backends read the candidates inside their write transaction and apply what this
/// decides, so the rule lives here once:
///
/// 1. **Destination.** A receipt that names phone numbers (SMPP: the deliver_sm's addresses) only fits a message
///    sent to one of them (compared by digits, national and international forms alike).
/// 2. **Submit date.** When the receipt carries one and some candidates were correlated within
///    ``submitDateTolerance`` of it, only those fit (a clock or time-zone difference leaves the others in).
/// 3. **Open first.** A message whose part has a final status from its provider (or a refusal) is finished; open
///    candidates go first. SMSCs that restart and reuse ids leave finished messages under the same id.
/// 4. **One id form.** When forms of the id (as written, decimal of hex, hex of decimal) still point at different
///    submissions, the form this connector's receipts have matched unambiguously so far (at least 95 % of at least 20
///    matches) decides; otherwise the receipt is parked as ambiguous. Never a guess.
/// 5. **Most recent.** Among fitting submissions under one id, the most recent one.
/// 6. A receipt that fits only a finished message is parked, never applied to it, when its submit date is not that
///    message's (a newer submission under a reused id, not recorded yet), or, without a submit date, when it would
///    change that message's final status. A contradicting receipt of the same submission is a recorded conflict.
public struct ReceiptMatcher: Sendable {
    /// One stored correlation the receipt may answer.
    public struct Candidate: Sendable, Hashable {
        /// The correlation's provider id (one of the receipt's match keys).
        public var key: String
        public var form: ProviderReceipt.MatchKey.Form
        public var messageID: String
        public var part: Int
        public var round: Int
        /// The message's recipient.
        public var recipient: String
        /// When the correlation was written (the submit response); nil for rows stored before it was kept.
        public var correlatedAt: Date?
        /// Insertion order: higher is more recent.
        public var sequence: Int64
        /// The part's folded state now.
        public var state: PartState?

        public init(key: String, form: ProviderReceipt.MatchKey.Form, messageID: String, part: Int, round: Int, recipient: String,
                    correlatedAt: Date?, sequence: Int64, state: PartState?) {
            self.key = key
            self.form = form
            self.messageID = messageID
            self.part = part
            self.round = round
            self.recipient = recipient
            self.correlatedAt = correlatedAt
            self.sequence = sequence
            self.state = state
        }

        /// The part has a final status a provider (or Herald's refusal) gave; the validity timer's EXPIRED is not one.
        var isFinished: Bool {
            guard let state else { return false }
            return state.status.isFinal && state.evidence.tier >= 6
        }
    }

    public enum Decision: Sendable, Hashable {
        /// Apply it to `candidates[index]`.
        case match(Int)
        /// Park it: it fits no open message (yet), or more than one; the words say why.
        case park(String)
    }

    /// Most forms of an id looked up per receipt or correlation (the connector lists a handful).
    public static let maximumMatchKeys = 6

    /// The match keys a store looks a receipt up under.
    public static func lookupKeys(_ receipt: ProviderReceipt) -> [String] {
        receipt.matchKeys.prefix(maximumMatchKeys).map(\.key)
    }

    /// The numbers a parked receipt names, as both stores keep them in one column (blank-separated; nil when none).
    public static func storedAddresses(_ addresses: [String]) -> String? {
        addresses.isEmpty ? nil : addresses.joined(separator: " ")
    }

    /// ``storedAddresses(_:)`` read back.
    public static func addresses(stored: String?) -> [String] {
        stored.map { $0.split(separator: " ").map(String.init) } ?? []
    }

    /// How far a receipt's submit date may be from the submit response's time and still single a candidate out.
    public static let submitDateTolerance: TimeInterval = 150

    /// Per connector, how many receipts matched unambiguously under each form.
    private var learned: [String: [ProviderReceipt.MatchKey.Form: Int]] = [:]

    public init() {}

    /// Candidates joined from storage carry only their key; this fills in the form the receipt gave that key.
    public static func form(of key: String, in receipt: ProviderReceipt) -> ProviderReceipt.MatchKey.Form {
        receipt.matchKeys.first { $0.key == key }?.form ?? .exact
    }

    public mutating func decide(_ receipt: ProviderReceipt, among candidates: [Candidate]) -> Decision {
        guard !candidates.isEmpty else { return .park("\(Self.noSubmission) on \(receipt.connector) has id \(Self.describe(receipt))") }
        var fitting = candidates.indices.filter { Self.addressFits(receipt.addresses, candidates[$0].recipient) }
        guard !fitting.isEmpty else {
            return .park("\(candidates.count) submission(s) have id \(Self.describe(receipt)), none to \(receipt.addresses.joined(separator: " or "))")
        }
        if let submitted = receipt.submittedAt {
            let close = fitting.filter { index in
                candidates[index].correlatedAt.map { abs($0.timeIntervalSince(submitted)) <= Self.submitDateTolerance } ?? false
            }
            if !close.isEmpty { fitting = close }
        }
        let open = fitting.filter { !candidates[$0].isFinished }
        var pool = open.isEmpty ? fitting : open
        let keys = Set(pool.map { candidates[$0].key })
        if keys.count > 1 {
            let forms = Set(pool.map { candidates[$0].form })
            guard forms.count > 1, let preferred = preferredForm(receipt.connector), forms.contains(preferred) else {
                return .park("\(Self.ambiguous): ids \(keys.sorted().joined(separator: " and ")) both fit (same destination and time); set receipt_id_format")
            }
            pool = pool.filter { candidates[$0].form == preferred }
            if Set(pool.map { candidates[$0].key }).count > 1 {
                return .park("\(Self.ambiguous): ids \(keys.sorted().joined(separator: " and ")) both fit (same destination and time); set receipt_id_format")
            }
        } else if let form = pool.first.map({ candidates[$0].form }) {
            learn(form, connector: receipt.connector)
        }
        guard let chosen = pool.max(by: { candidates[$0].sequence < candidates[$1].sequence }) else {
            return .park("no fitting submission")
        }
        let candidate = candidates[chosen]
        if candidate.isFinished, let submitted = receipt.submittedAt, let correlatedAt = candidate.correlatedAt,
           abs(submitted.timeIntervalSince(correlatedAt)) > Self.submitDateTolerance {
            // Its submit date is not the finished message's: a newer submission with the same id whose submit response
            // has not been recorded yet. Parked, it is applied the moment that correlation is written.
            return .park("submitted \(submitted), not when \(candidate.messageID) (already \(candidate.state?.status.rawValue ?? "final")) was; waiting for its submission")
        }
        if candidate.isFinished, receipt.submittedAt == nil, var state = candidate.state,
           let asserted = receipt.kind.assertedStatus, asserted.isFinal, asserted != state.status {
            // Without a submit date nothing says it is the same submission: a contradicting receipt is recorded as a
            // conflict when it cannot change the status, and parked when it would (an id reused for a newer message).
            let before = state.status
            state.apply(receipt.event(messageID: candidate.messageID, part: candidate.part, round: candidate.round, correlatedID: candidate.key))
            if state.status != before {
                return .park("fits only \(candidate.messageID), already \(before.rawValue); a \(asserted.rawValue) receipt without a submit date is not applied to a finished message")
            }
        }
        return .match(chosen)
    }

    /// The form this connector's receipts are written in, once the evidence is clear.
    func preferredForm(_ connector: String) -> ProviderReceipt.MatchKey.Form? {
        guard let counts = learned[connector] else { return nil }
        let total = counts.values.reduce(0, +)
        guard total >= 20, let (form, count) = counts.max(by: { $0.value < $1.value }), count * 100 >= total * 95 else { return nil }
        return form
    }

    private mutating func learn(_ form: ProviderReceipt.MatchKey.Form, connector: String) {
        var counts = learned[connector, default: [:]]
        counts[form, default: 0] += 1
        // Recent behaviour counts: halve the history now and then (an SMSC may change how it writes ids).
        if counts.values.reduce(0, +) > 10_000 { counts = counts.mapValues { $0 / 2 } }
        learned[connector] = counts
    }

    /// Whether a receipt parked before this correlation existed answers it: it names the recipient (where it names a
    /// number), its submit date is the correlation's (where both are known), and it did not arrive minutes before the
    /// submission (a receipt overtakes its submit response by moments; one parked long before is about an older
    /// submission that had the same id).
    public static func parkedFits(addresses: [String], submittedAt: Date?, receivedAt: Date, recipient: String, correlatedAt: Date?) -> Bool {
        guard addressFits(addresses, recipient) else { return false }
        guard let correlatedAt else { return true }
        if let submittedAt, abs(submittedAt.timeIntervalSince(correlatedAt)) > submitDateTolerance, abs(receivedAt.timeIntervalSince(correlatedAt)) > submitDateTolerance {
            return false
        }
        return receivedAt.timeIntervalSince(correlatedAt) > -earliestReceiptLead
    }

    /// How the reason of a receipt parked because no submission had any form of its id begins.
    public static let noSubmission = "no submission"
    /// How the reason of a receipt parked as ambiguous begins: neither a later correlation nor the re-match sweep takes it
    /// (one of the messages it fitted is its own; a third cannot be, and the sweep must not guess). The sweep closes the
    /// PostgreSQL race (a correlation committed while the receipt was being parked) for every other parked receipt, against
    /// correlations written within ``submitDateTolerance`` of its arrival, under the same fit as a new correlation.
    public static let ambiguous = "ambiguous"

    /// How long before its submit response a receipt may arrive and still be about that submission.
    public static let earliestReceiptLead: TimeInterval = 120

    /// Whether a receipt naming `addresses` can be about a message sent to `recipient`. Addresses without at least six
    /// digits (alphanumeric senders, short codes, empty) say nothing; no usable address fits everything.
    public static func addressFits(_ addresses: [String], _ recipient: String) -> Bool {
        let numbers = addresses.map(digits).filter { $0.count >= 6 }
        let target = digits(recipient)
        guard !numbers.isEmpty, target.count >= 6 else { return true }
        return numbers.contains { number in
            if number == target { return true }
            let (short, long) = number.count < target.count ? (number, target) : (target, number)
            return short.count >= 7 && long.suffix(short.count).elementsEqual(short)
        }
    }

    /// ASCII digits without leading zeros (`+44 7400 123456`, `447400123456` and `07400123456` share a suffix), as
    /// bytes: this runs for every candidate of every receipt, on the store's writer.
    static func digits(_ text: String) -> [UInt8] {
        var digits: [UInt8] = []
        digits.reserveCapacity(text.utf8.count)
        for byte in text.utf8 where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
            if digits.isEmpty, byte == UInt8(ascii: "0") { continue }
            digits.append(byte)
        }
        return digits
    }

    static func describe(_ receipt: ProviderReceipt) -> String {
        receipt.matchKeys.count > 1 ? "\(receipt.providerMessageID) (or \(receipt.matchKeys.dropFirst().map(\.key).joined(separator: ", ")))" : receipt.providerMessageID
    }
}
