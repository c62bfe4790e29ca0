import HeraldCore

/// How the built-in simulator behaves for recipients that are not magic.
public struct SimulatorConfiguration: Sendable {
    public var name: String
    /// Outcomes and their weights for ordinary recipients.
    public var mix: [(outcome: SimulatedOutcome, weight: Double)]
    /// Seconds between acceptance and the final receipt (uniform in the range).
    public var receiptDelay: ClosedRange<Double>
    /// Send a SENT (ENROUTE) receipt before the final one.
    public var sendsIntermediate: Bool
    /// Share of messages whose final receipt is sent twice.
    public var duplicateRate: Double
    /// Share of messages whose final receipt overtakes the intermediate one.
    public var reorderRate: Double
    /// Receipts waiting for ingestion above which a submit waits (up to 2 s) for the ingestor to catch up, as a real
    /// provider's window would: without it, dispatch outruns ingestion and receipts pile up in memory.
    public var receiptBacklogLimit = 20_000

    public init(
        name: String = "simulator",
        mix: [(outcome: SimulatedOutcome, weight: Double)] = Self.defaultMix,
        receiptDelay: ClosedRange<Double> = 0.05...0.5,
        sendsIntermediate: Bool = true,
        duplicateRate: Double = 0.01,
        reorderRate: Double = 0.01
    ) {
        self.name = name
        self.mix = mix
        self.receiptDelay = receiptDelay
        self.sendsIntermediate = sendsIntermediate
        self.duplicateRate = duplicateRate
        self.reorderRate = reorderRate
    }

    /// A realistic mix: mostly delivered, some of each common failure.
    public static let defaultMix: [(outcome: SimulatedOutcome, weight: Double)] = [
        (.delivered, 90), (.undelivered(.absentSubscriber), 2), (.undelivered(.handsetBusy), 1),
        (.undelivered(.antiSpamRejection), 1), (.undelivered(.illegalNumber), 1), (.undelivered(.networkError), 1),
        (.expired, 1), (.unknown, 0.5), (.noReceipt, 1), (.submitRejected(.providerRejected), 0.5),
        (.temporaryThenDelivered, 1),
    ]

    /// Parses a mix such as `delivered=90,ABSENT_SUBSCRIBER=5,expired=2,no-receipt=3`: each key is
    /// `delivered`, `expired`, `unknown`, `no-receipt`, `rejected` or a reason code (UNDELIVERED with it).
    public static func parseMix(_ text: String) throws(FieldError) -> [(outcome: SimulatedOutcome, weight: Double)] {
        var mix: [(outcome: SimulatedOutcome, weight: Double)] = []
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let weight = Double(pair[1]), weight >= 0 else {
                throw FieldError(field: "simulator-mix", problem: "'\(item)' is not KEY=WEIGHT", fix: "write e.g. delivered=90,ABSENT_SUBSCRIBER=5,expired=2")
            }
            let outcome: SimulatedOutcome
            switch pair[0].lowercased() {
            case "delivered": outcome = .delivered
            case "expired": outcome = .expired
            case "unknown": outcome = .unknown
            case "no-receipt": outcome = .noReceipt
            case "rejected": outcome = .submitRejected(.providerRejected)
            case "temporary": outcome = .temporaryThenDelivered
            default:
                guard let reason = ReasonCode(rawValue: pair[0].uppercased()) else {
                    throw FieldError(field: "simulator-mix", problem: "unknown outcome '\(pair[0])'", fix: "use delivered, expired, unknown, no-receipt, rejected, temporary or a reason code")
                }
                outcome = .undelivered(reason)
            }
            mix.append((outcome, weight))
        }
        guard mix.contains(where: { $0.weight > 0 }) else {
            throw FieldError(field: "simulator-mix", problem: "no outcome has a positive weight", fix: "give at least one outcome a weight above 0")
        }
        return mix
    }
}
