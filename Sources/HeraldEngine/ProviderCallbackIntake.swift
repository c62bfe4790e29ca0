import HeraldMetrics
import Foundation
import HeraldConnectors
import HeraldCore
import HeraldStore
import Logging
import Synchronization

/// The one path of every HTTP provider's callbacks: signature check (the connector's), raw body stored as evidence,
/// receipts through the ``ReceiptSink`` (the same status machine as SMPP receipts: duplicates, out of order and early
/// statuses parked and matched), inbound messages through the ``InboundRecorder``; only then the answer goes back, so
/// a provider whose callback was not recorded sends it again.
public final class ProviderCallbackIntake: Sendable {
    /// Callbacks since start, per connector and outcome.
    public struct Counts: Sendable, Hashable {
        public var accepted = 0
        public var refused = 0
        public var malformed = 0
    }

    /// What the HTTP layer answers.
    public struct Answer: Sendable, Hashable {
        public var status: Int
        public var contentType: String?
        public var body: String
    }

    private let store: any ProviderWebhookStore
    private let sink: ReceiptSink
    private let inbound: @Sendable (InboundMessage, _ stored: @escaping @Sendable (Bool) -> Void) -> Void
    private let logger: Logger
    private let counters = Mutex([String: Counts]())

    /// `inbound`: where subscribers' messages go (``InboundRecorder/deliver(_:acknowledge:giveUp:)``); `stored` is called
    /// with true once the message is stored, false when it could not be.
    public init(store: any ProviderWebhookStore, sink: ReceiptSink,
                inbound: @escaping @Sendable (InboundMessage, _ stored: @escaping @Sendable (Bool) -> Void) -> Void,
                logger: Logger = Logger(label: "herald.providers")) {
        self.store = store
        self.sink = sink
        self.inbound = inbound
        self.logger = logger
    }

    public func counts(connector: String) -> Counts { counters.withLock { $0[connector] ?? Counts() } }

    /// Checks, stores and records one callback; returns what to answer.
    public func take(_ callback: ProviderCallback, by connector: any ProviderCallbackHandling) async throws -> Answer {
        let verdict = connector.handle(callback)
        switch verdict {
        case .refused(let status, let reason):
            count(connector.name, "refused") { $0.refused += 1 }
            logger.warning("provider callback refused", metadata: ["connector": "\(connector.name)", "kind": "\(callback.kind.rawValue)",
                                                                   "status": "\(status)", "reason": "\(LogText.escaped(reason))"])
            return Answer(status: status, contentType: "text/plain; charset=utf-8", body: reason + "\n")
        case .handshake(let contentType, let body):
            return Answer(status: 200, contentType: contentType, body: body)
        case .malformed(let reason):
            try await store.recordProviderWebhooks([evidence(callback, connector: connector.name)])
            count(connector.name, "malformed") { $0.malformed += 1 }
            logger.error("provider callback not readable; kept raw", metadata: ["connector": "\(connector.name)", "reason": "\(LogText.escaped(reason))"])
            return Answer(status: 400, contentType: "text/plain; charset=utf-8", body: reason + "\n")
        case .accepted(let content):
            let raw = evidence(callback, connector: connector.name)
            if content.receipts.isEmpty {
                try await store.recordProviderWebhooks([raw])
            } else {
                // Kept by the receipt ingestor with the receipts, before they are applied.
                await record(content.receipts, evidence: raw)
            }
            for message in content.inbound {
                let stored = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in inbound(message) { done.resume(returning: $0) } }
                guard stored else {
                    // The provider sends it again (the raw request is kept; the copy is recognised by its provider id).
                    return Answer(status: 503, contentType: "text/plain; charset=utf-8", body: "the inbound message could not be stored; send it again\n")
                }
            }
            count(connector.name, "accepted") { $0.accepted += 1 }
            return Answer(status: content.responseStatus, contentType: content.responseContentType, body: content.responseBody)
        }
    }

    /// The raw request, as evidence.
    private func evidence(_ callback: ProviderCallback, connector: String) -> ProviderWebhookRecord {
        let query = callback.url.firstIndex(of: "?").map { String(callback.url[callback.url.index(after: $0)...]) }
        return ProviderWebhookRecord(
            id: HeraldID.make(.providerWebhook, at: callback.receivedAt), connector: connector, kind: callback.kind.rawValue,
            receivedAt: callback.receivedAt, method: callback.method, query: query, contentType: callback.headers["content-type"],
            body: Data(callback.body))
    }

    /// Hands the receipts (the first with the raw request) to the ingestion path and waits until they are committed.
    private func record(_ receipts: [ProviderReceipt], evidence: ProviderWebhookRecord) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let remaining = Mutex(receipts.count)
            for (index, receipt) in receipts.enumerated() {
                sink.deliver(receipt, evidence: index == 0 ? evidence : nil) {
                    let last = remaining.withLock { count -> Bool in
                        count -= 1
                        return count == 0
                    }
                    if last { done.resume() }
                }
            }
        }
    }

    private func count(_ connector: String, _ outcome: String, _ change: (inout Counts) -> Void) {
        counters.withLock { change(&$0[connector, default: Counts()]) }
        HeraldMetrics.providerCallback(connector: connector, outcome: outcome)
    }
}
