import Foundation
import HeraldCore
import HeraldStore

/// The JSON body of one callback: the event, its message, the status and reason, the per-message sequence and the
/// raw provider detail. Built once when the delivery is created, so every attempt sends the same bytes.
public struct WebhookPayload: Encodable, Sendable {
    var id: String
    var type: String
    var accountID: String
    var messageID: String
    var event: String
    /// In the webhook's vocabulary (canonical unless it chose another).
    var status: String?
    var canonicalStatus: String?
    var vocabulary: String
    /// The catalogue entry: code, meaning, resolution, retryable.
    var reason: ReasonInfo?
    var part: Int?
    var sequence: Int64
    var source: String
    var occurredAt: String
    var recordedAt: String
    var connector: String?
    var providerMessageID: String?
    var attempt: Int?
    var nextAttemptAt: String?
    var provider: ProviderDetail?

    enum CodingKeys: String, CodingKey {
        case id, type, event, status, reason, part, sequence, source, connector, attempt, provider
        case accountID = "account_id", messageID = "message_id", occurredAt = "occurred_at", recordedAt = "recorded_at"
        case canonicalStatus = "canonical_status", vocabulary
        case providerMessageID = "provider_message_id", nextAttemptAt = "next_attempt_at"
    }

    public init(_ routed: RoutedEvent, vocabulary: Vocabulary = .canonical) {
        let event = routed.feed.event
        id = event.id
        if case .engagement = event.kind { type = "message.engagement" } else { type = "message.status" }
        accountID = routed.accountID
        messageID = event.messageID
        self.event = event.kind.rawValue
        canonicalStatus = event.kind.assertedStatus?.rawValue
        status = event.kind.assertedStatus.map { vocabulary.word(for: $0, reason: event.effectiveReason) }
        self.vocabulary = vocabulary.rawValue
        reason = event.effectiveReason?.info
        part = event.part
        sequence = routed.feed.cursor.seq
        source = event.source.rawValue
        occurredAt = Timestamp.format(event.occurredAt)
        recordedAt = Timestamp.format(event.recordedAt)
        connector = event.connector
        providerMessageID = event.providerMessageID
        attempt = event.attempt
        nextAttemptAt = event.nextAttemptAt.map(Timestamp.format)
        provider = event.detail
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
