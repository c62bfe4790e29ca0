import HeraldMetrics
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
            Screening(duplicateWindow: window, suppressions: true, dnd: true, now: clock.now())
        }
    }

    /// Tells the dispatchers that messages became due (a resumed campaign).
    public func wake() { signal?.notify() }

    /// Renders templates and validates every request: the drafts to store, or the first request that cannot be stored.
    public func drafts(for requests: [SendRequest], accountID: String, settings: AccountSettings) async throws -> Result<[MessageDraft], FieldError> {
        var drafts: [MessageDraft] = []
        drafts.reserveCapacity(requests.count)
        for (index, request) in try await renderTemplates(requests, accountID: accountID).enumerated() {
            switch validator.validate(request, settings: settings) {
            case .failure(let error): return .failure(requests.count == 1 ? error : error.nested(in: "messages[\(index)]"))
            case .success(let draft): drafts.append(draft)
            }
        }
        return .success(drafts)
    }

    /// Fills in the text (and subject) of requests that name a template, or the problem that rejects them.
    private func renderTemplates(_ requests: [SendRequest], accountID: String) async throws -> [SendRequest] {
        guard requests.contains(where: { $0.template != nil }) else { return requests }
        // Each template is read and parsed once per call, however many recipients use it.
        var templates: [String: (MessageTemplate, Result<TemplateRenderer.Compiled, TemplateRenderer.TemplateProblem>)?] = [:]
        var rendered = requests
        for index in rendered.indices {
            guard let name = rendered[index].template else { continue }
            if templates[name] == nil {
                templates[name] = .some(try await store.template(accountID: accountID, name: name).map { template in
                    (template, Result { () throws(TemplateRenderer.TemplateProblem) in try TemplateRenderer.Compiled(template) })
                })
            }
            guard let (template, compiled) = templates[name] ?? nil else {
                rendered[index].channel = rendered[index].channel ?? "sms"
                rendered[index].templateProblem = "template '\(name)' does not exist; create it with POST /v1/templates"
                continue
            }
            if rendered[index].channel == nil { rendered[index].channel = template.channel?.rawValue }
            switch compiled.flatMap({ $0.renderAll(rendered[index].variables) }) {
            case .success(let output):
                rendered[index].text = output.text
                if rendered[index].subject == nil { rendered[index].subject = output.subject }
                if rendered[index].html == nil { rendered[index].html = output.html }
            case .failure(let problem):
                rendered[index].templateProblem = problem.text
            }
        }
        return rendered
    }

    /// A message as stored: its id, whether it was new, and what was stored.
    public struct Accepted: Sendable {
        public var outcome: AcceptOutcome
        /// The new message, when it was created by this call (nil for an idempotent replay).
        public var message: NewMessage?
    }

    /// Validates every request first; stores all of them in one transaction or none.
    /// One rule for idempotency keys: a single send is keyed `KEY`; every item of a batch (`batch`, a 1-item batch
    /// included) is keyed `KEY:INDEX`. `settings` are the sending account's (default country, validity, smart
    /// encoding, quiet hours).
    public func send(_ requests: [SendRequest], accountID: String, settings: AccountSettings = .init(), idempotencyKey: String? = nil,
                     batch: Bool = false) async throws -> Result<[Accepted], FieldError> {
        switch try await drafts(for: requests, accountID: accountID, settings: settings) {
        case .failure(let error): return .failure(error)
        case .success(let drafts):
            let keys = drafts.indices.map { index in idempotencyKey.map { requests.count == 1 && !batch ? $0 : "\($0):\(index)" } }
            return .success(try await store(drafts, keys: keys, accountID: accountID, settings: settings, campaignID: nil))
        }
    }

    /// Validates each request on its own (a campaign's rows): the valid ones are stored in one transaction as messages of
    /// the campaign, the others are answered with the problem that keeps them from being a message.
    public func sendEach(_ requests: [SendRequest], accountID: String, settings: AccountSettings, campaignID: String?) async throws
        -> [Result<Accepted, FieldError>] {
        var results: [Result<Accepted, FieldError>?] = []
        results.reserveCapacity(requests.count)
        var drafts: [MessageDraft] = []
        var positions: [Int] = []
        for (index, request) in try await renderTemplates(requests, accountID: accountID).enumerated() {
            switch validator.validate(request, settings: settings) {
            case .failure(let error): results.append(.failure(error))
            case .success(let draft):
                results.append(nil)
                drafts.append(draft)
                positions.append(index)
            }
        }
        let stored = try await store(drafts, keys: Array(repeating: nil, count: drafts.count), accountID: accountID, settings: settings, campaignID: campaignID)
        for (position, accepted) in zip(positions, stored) { results[position] = .success(accepted) }
        return results.map { $0! }
    }

    /// Applies the quiet-hours gate, prices and stores validated messages (the opt-out, DND and duplicate gates run in the
    /// store's accept transaction, see `Screening`), then wakes the dispatchers.
    private func store(_ drafts: [MessageDraft], keys: [String?], accountID: String, settings: AccountSettings, campaignID: String?) async throws -> [Accepted] {
        guard !drafts.isEmpty else { return [] }
        let now = clock.now()
        var messages: [NewMessage] = []
        messages.reserveCapacity(drafts.count)
        for (var draft, key) in zip(drafts, keys) {
            QuietHoursGate.apply(to: &draft, settings: settings, now: now)
            var message = NewMessage(accountID: accountID, draft: draft, createdAt: now, priceMicros: prices.price(for: draft.channel, to: draft.to),
                                     idempotencyKey: key)
            message.campaignID = campaignID
            messages.append(message)
        }
        let stored = try await groupCommit.accept(messages)
        var created: [Channel: Int] = [:]
        for (outcome, message) in stored {
            if case .created = outcome { created[message.draft.channel, default: 0] += 1 }
        }
        for (channel, count) in created { HeraldMetrics.accepted(channel: channel, count: count) }
        if stored.contains(where: { if case .created = $0.outcome { true } else { false } }) {
            signal?.notify()
        }
        return stored.map { outcome, message in
            if case .created = outcome { Accepted(outcome: outcome, message: message) } else { Accepted(outcome: outcome, message: nil) }
        }
    }
}
