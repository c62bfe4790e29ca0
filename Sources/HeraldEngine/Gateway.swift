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
        let window = duplicateWindow
        self.groupCommit = AcceptGroupCommit(store: store) { [clock] in
            Screening(duplicateWindow: window, suppressions: true, now: clock.now())
        }
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
        // The opt-out and duplicate gates run in the store's accept transaction (see `Screening`).
        let stored = try await groupCommit.accept(messages)
        if stored.contains(where: { if case .created = $0.outcome { true } else { false } }) {
            signal?.notify()
        }
        return .success(stored.map { outcome, message in
            if case .created = outcome { Accepted(outcome: outcome, message: message) } else { Accepted(outcome: outcome, message: nil) }
        })
    }
}
