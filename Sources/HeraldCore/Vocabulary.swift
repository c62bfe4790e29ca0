/// Status vocabularies of the services Herald replaces (`docs/STATUSES.md` section 4): a read-only view.
public enum Vocabulary: String, CaseIterable, Sendable, Codable {
    case canonical, raven, smsto, tracksend, masstack
    case vonageLog = "vonage-log"

    /// The word this vocabulary uses for a canonical status, its reason and engagement.
    public func word(for status: MessageStatus, reason: ReasonCode? = nil, engagement: Set<Engagement> = []) -> String {
        switch self {
        case .canonical: return status.rawValue
        case .raven: return Self.raven(status)
        case .smsto: return Self.smsto(status)
        case .tracksend: return Self.tracksend(status, reason: reason, engagement: engagement)
        case .masstack: return Self.masstack(status, reason: reason, engagement: engagement)
        case .vonageLog: return Self.vonage(status)
        }
    }

    private static func raven(_ status: MessageStatus) -> String {
        switch status {
        case .scheduled, .queued, .sending: "REQUESTED"
        case .deferred, .accepted, .partiallySent, .sent: "ACCEPTED"
        case .delivered, .partiallyDelivered: "DELIVERED"
        case .undelivered, .expired, .failed: "FAILED"
        case .rejected, .unsubscribed, .dnd, .duplicate, .dropped, .canceled: "ERROR"
        }
    }

    private static func smsto(_ status: MessageStatus) -> String {
        switch status {
        case .scheduled: "SCHEDULED"
        case .queued: "QUEUED"
        case .sending, .deferred: "SENDING"
        case .accepted, .partiallySent, .sent: "SENT"
        case .delivered, .partiallyDelivered: "DELIVERED"
        case .undelivered, .failed: "FAILED"
        case .expired: "EXPIRED"
        case .unsubscribed: "UNSUBSCRIBED"
        case .rejected, .dnd, .duplicate, .dropped, .canceled: "REJECTED"
        }
    }

    private static let carrierRejections: Set<ReasonCode> = [.antiSpamRejection, .blockedByCarrier]

    private static func tracksend(_ status: MessageStatus, reason: ReasonCode?, engagement: Set<Engagement>) -> String {
        switch status {
        case .scheduled, .sending: return "PENDING"
        case .queued, .deferred: return "QUEUED"
        case .accepted: return "ACCEPTED"
        case .partiallySent: return "PARTIALLYSENT"
        case .sent: return "SENT"
        case .delivered:
            if engagement.contains(.replied) { return "REPLY" }
            if engagement.contains(.read) { return "READ" }
            return "DELIVERED"
        case .partiallyDelivered: return "PARTIALDELIVERED"
        case .undelivered: return reason.map(carrierRejections.contains) == true ? "REJECTED" : "UNDELIVERED"
        case .expired: return "EXPIRED"
        case .failed:
            if reason == .internalError { return "INTERNALERROR" }
            // The provider's queue stayed full through every retry: "failed to be added to the queue and will not be sent".
            if reason == .queueFull { return "FAILEDTOQUEUE" }
            return "FAILEDTOSEND"
        case .rejected:
            if reason == .invalidNumber { return "INVALIDNUMBER" }
            if reason == .queueFull { return "FAILEDTOQUEUE" }
            return "REJECTED"
        case .unsubscribed, .dropped: return "REJECTED"
        case .dnd: return "DND"
        case .duplicate: return "DUPLICATE"
        case .canceled: return "FAILED"
        }
    }

    private static func masstack(_ status: MessageStatus, reason: ReasonCode?, engagement: Set<Engagement>) -> String {
        switch status {
        case .scheduled, .queued, .sending: return "REGISTERED"
        case .deferred: return "DEFERRED"
        case .accepted, .partiallySent, .sent: return "SUBMITTED"
        case .delivered:
            if engagement.contains(.clicked) { return "CLICKED" }
            if engagement.contains(.opened) { return "OPEN" }
            return "DELIVERED"
        case .partiallyDelivered: return "DELIVERED"
        case .undelivered:
            let soft: Set<ReasonCode> = [.softBounce, .mailboxFull]
            return reason.map(soft.contains) == true ? "REJECTED" : "UNDELIVERABLE"
        case .expired: return "EXPIRED"
        case .failed, .canceled: return "FAILED"
        case .rejected: return "REJECTED"
        case .unsubscribed, .dnd, .duplicate, .dropped: return "DROPPED"
        }
    }

    private static func vonage(_ status: MessageStatus) -> String {
        switch status {
        case .delivered, .partiallyDelivered: "Delivered"
        case .undelivered, .expired, .failed: "Failed"
        case .rejected, .unsubscribed, .dnd, .duplicate, .dropped, .canceled: "Rejected"
        default: "Sent"
        }
    }
}
