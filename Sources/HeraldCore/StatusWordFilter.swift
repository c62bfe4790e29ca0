/// A status filter in the words of a vocabulary (`?status=UNDELIVERABLE&vocabulary=masstack`): the canonical statuses
/// that can show as the word (what a store can select on), and the exact test on a message's status, reason and
/// engagement (some words depend on the reason, as masstack's REJECTED for a soft bounce).
public struct StatusWordFilter: Sendable, Hashable {
    public var vocabulary: Vocabulary
    public var word: String
    /// Every canonical status some message could show as `word`.
    public var statuses: [MessageStatus]
    /// Whether the statuses alone decide (no reason or engagement changes the word for them).
    public var isExactByStatus: Bool

    /// nil when no status shows as `word` in `vocabulary`.
    public init?(word: String, vocabulary: Vocabulary) {
        let wanted = word.uppercased()
        var statuses: [MessageStatus] = []
        var exact = true
        for status in MessageStatus.allCases {
            let words = Set(Self.variants.map { vocabulary.word(for: status, reason: $0.reason, engagement: $0.engagement).uppercased() })
            guard words.contains(wanted) else { continue }
            statuses.append(status)
            if words.count > 1 { exact = false }
        }
        guard !statuses.isEmpty else { return nil }
        self.vocabulary = vocabulary
        self.word = wanted
        self.statuses = statuses
        self.isExactByStatus = exact
    }

    public func matches(status: MessageStatus, reason: ReasonCode?, engagement: Set<Engagement>) -> Bool {
        vocabulary.word(for: status, reason: reason, engagement: engagement).uppercased() == word
    }

    /// Every reason (and none) with every single engagement (and none): what a word can depend on.
    private static let variants: [(reason: ReasonCode?, engagement: Set<Engagement>)] = {
        let reasons: [ReasonCode?] = [nil] + ReasonCode.allCases.map { $0 }
        let engagements: [Set<Engagement>] = [[]] + Engagement.allCases.map { [$0] }
        return reasons.flatMap { reason in engagements.map { (reason, $0) } }
    }()
}
