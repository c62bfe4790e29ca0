import Foundation
import HeraldCore
import HeraldStore

/// The accept path shared by the API and the CLI: validate, price, store durably, wake the dispatchers.
///
/// A message is committed before this returns, so a crash after the API answers loses nothing.
public struct Gateway: Sendable {
    public let store: any HeraldStore
    public let validator: MessageValidator
    public let prices: PriceTable
    private let clock: any WallClock
    private let signal: WorkSignal?
    private let groupCommit: AcceptGroupCommit

    /// A message with the same recipient, sender and text as one sent in this many seconds is DUPLICATE; 0 turns the gate off.
    public let duplicateWindow: TimeInterval

    public init(store: any HeraldStore, validator: MessageValidator = .init(), prices: PriceTable = .init(), clock: any WallClock = SystemWallClock(),
                signal: WorkSignal? = nil, duplicateWindow: TimeInterval = 600) {
        self.duplicateWindow = duplicateWindow
        self.store = store
        self.validator = validator
        self.prices = prices
        self.clock = clock
        self.signal = signal
        self.groupCommit = AcceptGroupCommit(store: store)
    }

    /// A message as stored: its id, whether it was new, and what was stored.
    public struct Accepted: Sendable {
        public var outcome: AcceptOutcome
        /// The new message, when it was created by this call (nil for an idempotent replay).
        public var message: NewMessage?
    }

    /// Validates every request first; stores all of them in one transaction or none.
    /// `idempotencyKey` applies to a single send; batch items are keyed `KEY:INDEX`.
    public func send(_ requests: [SendRequest], accountID: String, idempotencyKey: String? = nil) async throws -> Result<[Accepted], FieldError> {
        var messages: [NewMessage] = []
        messages.reserveCapacity(requests.count)
        let now = clock.now()
        for (index, request) in requests.enumerated() {
            switch validator.validate(request) {
            case .failure(let error):
                return .failure(requests.count == 1 ? error : error.nested(in: "messages[\(index)]"))
            case .success(let draft):
                let key = idempotencyKey.map { requests.count == 1 ? $0 : "\($0):\(index)" }
                messages.append(NewMessage(accountID: accountID, draft: draft, createdAt: now, priceMicros: prices.price(for: draft.channel), idempotencyKey: key))
            }
        }
        try await applySuppressions(to: &messages, accountID: accountID)
        try await applyDuplicateWindow(to: &messages, accountID: accountID, now: now)
        let outcomes = try await groupCommit.accept(messages)
        if outcomes.contains(where: { if case .created = $0 { true } else { false } }) {
            signal?.notify()
        }
        return .success(zip(outcomes, messages).map { outcome, message in
            if case .created = outcome { Accepted(outcome: outcome, message: message) } else { Accepted(outcome: outcome, message: nil) }
        })
    }

    /// The opt-out gate: a message to a recipient suppressed for its sender (or for every sender) is stored as
    /// UNSUBSCRIBED / OPTED_OUT and never sent or billed. One read per channel in the batch.
    func applySuppressions(to messages: inout [NewMessage], accountID: String) async throws {
        let byChannel = Dictionary(grouping: messages.indices.filter { messages[$0].draft.rejection == nil }) { messages[$0].draft.channel }
        for (channel, indices) in byChannel {
            let found = try await store.suppressions(accountID: accountID, channel: channel, recipients: Array(Set(indices.map { messages[$0].draft.to })))
            guard !found.isEmpty else { continue }
            let byRecipient = Dictionary(grouping: found, by: \.recipient)
            for index in indices {
                let draft = messages[index].draft
                if byRecipient[draft.to]?.contains(where: { $0.blocks(sender: draft.from) }) == true {
                    messages[index].draft.rejection = .optedOut
                }
            }
        }
    }

    /// The duplicate gate: the same recipient, sender and text as a message of the account created within
    /// `duplicateWindow` (or earlier in the same batch) is stored as DUPLICATE / DUPLICATE_CONTENT, not sent or billed.
    /// Messages refused before sending do not count. `Idempotency-Key` replays are answered before this.
    func applyDuplicateWindow(to messages: inout [NewMessage], accountID: String, now: Date) async throws {
        guard duplicateWindow > 0 else { return }
        struct Fingerprint: Hashable {
            var recipient: String
            var sender: String?
            var text: String
        }
        let byChannel = Dictionary(grouping: messages.indices.filter { messages[$0].draft.rejection == nil }) { messages[$0].draft.channel }
        for (channel, indices) in byChannel {
            let recent = try await store.recentMessages(accountID: accountID, channel: channel, recipients: Array(Set(indices.map { messages[$0].draft.to })),
                                                        since: now.addingTimeInterval(-duplicateWindow))
            var seen = Set(recent.map { Fingerprint(recipient: $0.recipient, sender: $0.sender, text: $0.text) })
            for index in indices {
                let draft = messages[index].draft
                let fingerprint = Fingerprint(recipient: draft.to, sender: draft.from, text: draft.text)
                if !seen.insert(fingerprint).inserted {
                    messages[index].draft.rejection = .duplicateContent
                }
            }
        }
    }
}
