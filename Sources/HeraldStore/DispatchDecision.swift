import Foundation
import HeraldCore

/// What a dispatch attempt records: the one place where the providers' answers for a claimed message become its events,
/// the correlations to keep and what happens to its queue entry (done; again at the time the retry policy picks; or
/// waiting for a connector without using up the attempt). Pure (time and jitter come in): the dispatcher only submits
/// and brings the answers, the store only persists the ``MessageChange``; the claim's own events are
/// ``MessageLedger/claimEvents(messageID:status:attempt:now:)``, a receipt's ``ProviderReceipt/event(messageID:part:round:correlatedID:)``
/// with ``ReceiptRetry``.
public struct DispatchDecision: Sendable {
    /// One part's answer from a provider, in the ledger's words.
    public enum Answer: Sendable, Hashable {
        /// Taken under this provider id: ACCEPTED, or SENT / DELIVERED when the provider passed it on or delivered it
        /// while taking it. The id is correlated with the part (under each form a receipt may use: `matchKeys`).
        case taken(MessageStatus, providerMessageID: String, matchKeys: [String], detail: ProviderDetail?)
        /// Refused for good: FAILED (the provider refused it) or UNDELIVERED (the recipient's side refused it).
        case refused(MessageStatus, ReasonCode, detail: ProviderDetail?)
        /// Try later: DEFERRED with the next attempt's time while retries and validity last, else FAILED.
        case temporary(ReasonCode, detail: ProviderDetail?)
    }

    /// A part's answer, from which connector and when.
    public struct PartAnswer: Sendable, Hashable {
        public var part: Int
        public var connector: String
        public var at: Date
        public var answer: Answer

        public init(part: Int, connector: String, at: Date, answer: Answer) {
            self.part = part
            self.connector = connector
            self.at = at
            self.answer = answer
        }
    }

    public let job: DispatchJob
    public let retry: RetryPolicy
    /// Whether temporary-failure receipts are retried (`herald serve --no-receipt-retries` turns it off).
    public let receiptRetries: Bool

    public init(job: DispatchJob, retry: RetryPolicy, receiptRetries: Bool = true) {
        self.job = job
        self.retry = retry
        self.receiptRetries = receiptRetries
    }

    /// A whole message a provider took as several messages, one id per part it made (Vonage): when it made as many parts
    /// as the submission covered, each id answers its own part; otherwise each answers the whole message (part -1).
    public static func taken(providerIDs: [String], covered: [Int], connector: String, at: Date, matchKeys: (String) -> [String],
                             detail: ProviderDetail?) -> [PartAnswer] {
        let parts = providerIDs.count == covered.count ? covered : Array(repeating: covered.count == 1 ? covered[0] : -1, count: providerIDs.count)
        return zip(parts, providerIDs).map { part, providerID in
            PartAnswer(part: part, connector: connector, at: at,
                       answer: .taken(.accepted, providerMessageID: providerID, matchKeys: matchKeys(providerID), detail: detail))
        }
    }

    /// The change the answers make. Taken parts are correlated; if any part must be tried later, the message is queued
    /// again at the retry policy's time (`jitter` in -1...1) and those parts are DEFERRED, or, when no attempt is left
    /// within the validity, FAILED with "retries exhausted".
    public func decide(_ answers: [PartAnswer], now: Date, jitter: Double = .random(in: -1...1)) -> MessageChange {
        var events: [StatusEvent] = []
        var correlations: [Correlation] = []
        var temporary: [(answer: PartAnswer, reason: ReasonCode, detail: ProviderDetail?)] = []
        for answer in answers {
            let part = answer.part, round = job.round(of: part)
            switch answer.answer {
            case .taken(let status, let providerID, let matchKeys, let detail):
                events.append(event(status, part: part, connector: answer.connector, at: answer.at, providerMessageID: providerID, detail: detail))
                correlations.append(Correlation(connector: answer.connector, providerMessageID: providerID, messageID: job.messageID, part: part,
                                                round: round, correlatedAt: answer.at, matchKeys: matchKeys))
            case .refused(let status, let reason, let detail):
                events.append(event(status, reason, part: part, connector: answer.connector, at: answer.at, detail: detail))
            case .temporary(let reason, let detail):
                temporary.append((answer, reason, detail))
            }
        }
        // A receipt that beat these answers waits parked; it is applied (and retried as any receipt) when they are written.
        let receiptRetry = receiptRetries && !correlations.isEmpty ? ReceiptRetry(policy: retry, now: now) : .none
        guard !temporary.isEmpty else {
            return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .remove, receiptRetry: receiptRetry)
        }
        if let next = retry.nextAttempt(after: job.attempt, now: now, expiresAt: job.expiresAt, random: jitter) {
            for failure in temporary {
                events.append(event(.deferred, failure.reason, part: failure.answer.part, connector: failure.answer.connector, at: now,
                                    nextAttemptAt: next, detail: failure.detail))
            }
            return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .retry(at: next), receiptRetry: receiptRetry)
        }
        for failure in temporary {
            var detail = failure.detail ?? ProviderDetail()
            detail.text = "retries exhausted after \(job.attempt) attempts" + (detail.text.map { ": " + $0 } ?? "")
            events.append(event(.failed, failure.reason, part: failure.answer.part, connector: failure.answer.connector, at: now, detail: detail))
        }
        return MessageChange(messageID: job.messageID, events: events, correlations: correlations, queue: .remove, receiptRetry: receiptRetry)
    }

    /// No connector carries the message's channel: FAILED / UNROUTABLE, out of the queue.
    public func unroutable(now: Date) -> MessageChange {
        let event = StatusEvent(messageID: job.messageID, kind: .status(.failed), reason: .unroutable, source: .connector, occurredAt: now,
                                attempt: job.attempt, detail: ProviderDetail(text: "no connector carries channel \(job.channel.rawValue)"),
                                dedupKey: "failed:\(job.attempt)")
        return MessageChange(messageID: job.messageID, events: [event], queue: .remove)
    }

    /// The message's connector cannot take it now (no bound session, relay down): it waits, DEFERRED /
    /// PROVIDER_UNAVAILABLE until `until` (never past its validity), without using up an attempt. The event is recorded
    /// once per attempt number (the claim gives the attempt back), so a long outage writes one line in the timeline, not
    /// one per look. The validity timer ends it (EXPIRED) if the connector never comes back.
    public func waiting(for connector: String, detail: ProviderDetail?, now: Date, wait: TimeInterval) -> MessageChange {
        let until = min(now.addingTimeInterval(wait), max(now, job.expiresAt))
        var detail = detail ?? ProviderDetail()
        detail.text = "waiting for connector \(connector) to come back (not counted as an attempt)" + (detail.text.map { ": " + $0 } ?? "")
        let events = job.pendingParts.map { part in
            event(.deferred, .providerUnavailable, part: part, connector: connector, at: now, nextAttemptAt: until, detail: detail, key: "waiting")
        }
        return MessageChange(messageID: job.messageID, events: events, queue: .wait(until: until))
    }

    /// A connector's event for one part of this attempt, in the part's retry round, recorded once per part and attempt
    /// (dedup key `KEY:PART:ATTEMPT`, the status's name unless told).
    private func event(_ status: MessageStatus, _ reason: ReasonCode? = nil, part: Int, connector: String, at: Date, providerMessageID: String? = nil,
                       nextAttemptAt: Date? = nil, detail: ProviderDetail?, key: String? = nil) -> StatusEvent {
        StatusEvent(messageID: job.messageID, part: part < 0 ? nil : part, kind: .status(status), reason: reason, source: .connector, occurredAt: at,
                    connector: connector, providerMessageID: providerMessageID, attempt: job.attempt, nextAttemptAt: nextAttemptAt, detail: detail,
                    dedupKey: "\(key ?? status.rawValue.lowercased()):\(part):\(job.attempt)", round: job.round(of: part))
    }
}
