/// The status of a whole message, aggregated from its parts (`docs/STATUSES.md` section 2, multipart).
///
/// All parts delivered: DELIVERED. All parts final, some delivered, some failed: PARTIALLY_DELIVERED.
/// All final, none delivered: the strongest failure. Not all final: PARTIALLY_SENT when some part was
/// taken by a provider and another failed to submit, otherwise the weakest part status (the message is
/// only as far along as its slowest part).
public struct MessageAggregate: Sendable, Hashable {
    public var status: MessageStatus
    public var reason: ReasonCode?
    /// Number of parts a provider accepted.
    public var acceptedParts: Int
    /// Segments billed (``BillingRule``): every accepted submission; at least every segment once when final and billable.
    public var billedSegments: Int { BillingRule.billedSegments(parts: parts, status: status) }
    /// Whether the message is billed in its status (``BillingRule``).
    public var billable: Bool { BillingRule.isBillable(status) }
    private let parts: [PartState]
    /// Some part has conflicting final claims.
    public var hasConflict: Bool
    public var engagement: Set<Engagement>

    public init(parts: [PartState]) {
        precondition(!parts.isEmpty, "a message has at least one part")
        self.parts = parts
        acceptedParts = parts.lazy.filter(\.wasAcceptedByProvider).count
        hasConflict = parts.contains(where: \.hasConflict)
        engagement = parts.reduce(into: []) { $0.formUnion($1.engagement) }

        if parts.count == 1 {
            status = parts[0].status
            reason = parts[0].reason
            return
        }
        let delivered = parts.filter { $0.status == .delivered }
        let failed = parts.filter { $0.status.isFinal && $0.status != .delivered }
        if delivered.count + failed.count == parts.count {
            if failed.isEmpty {
                status = .delivered
                reason = nil
            } else {
                let strongest = failed.max { $0.evidence < $1.evidence }!
                status = delivered.isEmpty ? strongest.status : .partiallyDelivered
                reason = strongest.reason
            }
            return
        }
        let submitFailed = failed.contains { !$0.wasAcceptedByProvider }
        if submitFailed, acceptedParts > 0 {
            status = .partiallySent
            reason = failed.first { !$0.wasAcceptedByProvider }?.reason
            return
        }
        let pending = parts.filter { !$0.status.isFinal }
        let weakest = pending.min { lhs, rhs in
            lhs.status.strength != rhs.status.strength
                ? lhs.status.strength < rhs.status.strength : lhs.evidence < rhs.evidence
        }!
        status = weakest.status
        reason = weakest.reason
    }
}
