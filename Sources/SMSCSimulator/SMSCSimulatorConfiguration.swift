import SMPP

/// How `herald smsc` behaves: where it listens, who may bind, how it numbers messages, and what happens to them.
public struct SMSCSimulatorConfiguration: Sendable {
    /// How the simulator writes message ids.
    public enum IDFormat: String, Sendable, CaseIterable {
        case hex, decimal
    }

    public var host: String
    public var port: Int
    /// The simulator's own system id (in bind responses).
    public var systemID: String
    /// Accepted system_id -> password; empty accepts any credentials.
    public var credentials: [String: String]
    public var idFormat: IDFormat
    /// The format of ids inside receipts (`nil`: same as `idFormat`).
    public var receiptIDFormat: IDFormat?
    /// Ids are zero-padded to this many characters.
    public var idWidth: Int
    /// Receipt delay range in seconds.
    public var receiptDelay: ClosedRange<Double>
    /// Outcome mix for ordinary destinations (magic destinations choose their own).
    public var mix: [(outcome: SMSCOutcome, weight: Double)]
    /// Share of final receipts sent twice.
    public var duplicateRate: Double
    /// Share of messages whose ENROUTE intermediate arrives after the final receipt.
    public var reorderRate: Double
    /// Share of messages whose receipt is sent before the submit_sm_resp.
    public var earlyReceiptRate: Double
    /// Share of submit_sm answered ESME_RTHROTTLED.
    public var throttleRate: Double
    /// Send an ENROUTE intermediate before the final receipt when `registered_delivery` asks for intermediates (bit 4).
    public var intermediates: Bool
    /// Put receipted_message_id, message_state and network_error_code TLVs on receipts besides the text.
    public var receiptTLVs: Bool
    /// Close a session abruptly (no response) on every Nth submit_sm; 0 never.
    public var dropEvery: Int
    /// Write each receipt's id in a randomly chosen dialect, as mixed carrier routes do: decimal for a hex id, zero-padded,
    /// another case, in the text only, in `receipted_message_id` only, or text and TLV in different forms.
    public var mixedReceiptIDs: Bool
    /// Seconds before each submit_sm_resp is written (a slow SMSC); 0 answers at once.
    public var responseDelay: Double
    /// The message id counter's first value; a restart (``SMSCSimulator/restart()``) starts again from it, so ids repeat.
    public var idStart: UInt64

    public init(
        host: String = "127.0.0.1", port: Int = 2775, systemID: String = "HeraldSMSC", credentials: [String: String] = [:],
        idFormat: IDFormat = .hex, receiptIDFormat: IDFormat? = nil, idWidth: Int = 0, receiptDelay: ClosedRange<Double> = 0.05...0.5,
        mix: [(outcome: SMSCOutcome, weight: Double)] = [(.receipt(stat: "DELIVRD", err: "000"), 1)], duplicateRate: Double = 0,
        reorderRate: Double = 0, earlyReceiptRate: Double = 0, throttleRate: Double = 0, intermediates: Bool = true,
        receiptTLVs: Bool = true, dropEvery: Int = 0, mixedReceiptIDs: Bool = false, idStart: UInt64 = 0x1000
    ) {
        self.mixedReceiptIDs = mixedReceiptIDs
        self.responseDelay = 0
        self.idStart = idStart
        self.host = host
        self.port = port
        self.systemID = systemID
        self.credentials = credentials
        self.idFormat = idFormat
        self.receiptIDFormat = receiptIDFormat
        self.idWidth = idWidth
        self.receiptDelay = receiptDelay
        self.mix = mix
        self.duplicateRate = duplicateRate
        self.reorderRate = reorderRate
        self.earlyReceiptRate = earlyReceiptRate
        self.throttleRate = throttleRate
        self.intermediates = intermediates
        self.receiptTLVs = receiptTLVs
        self.dropEvery = dropEvery
    }

    /// Parses a mix such as `DELIVRD=90,UNDELIV:001=5,EXPIRED=2,REJECT=3` (word, optional `:err`, weight;
    /// `REJECT` refuses the submit with ESME_RINVDSTADR, `NONE` sends no receipt).
    public static func parseMix(_ text: String) throws(SMSCConfigurationError) -> [(outcome: SMSCOutcome, weight: Double)] {
        var mix: [(outcome: SMSCOutcome, weight: Double)] = []
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard pair.count == 2, let weight = Double(pair[1]), weight >= 0 else {
                throw SMSCConfigurationError("mix item '\(item)' is not WORD[:ERR]=WEIGHT, e.g. DELIVRD=90 or UNDELIV:001=5")
            }
            let word = pair[0].split(separator: ":", maxSplits: 1).map(String.init)
            let stat = word[0].uppercased()
            guard !stat.isEmpty, stat.allSatisfy({ $0.isLetter }) else {
                throw SMSCConfigurationError("mix item '\(item)': '\(word[0])' is not a receipt word (DELIVRD, UNDELIV, EXPIRED, ...)")
            }
            switch stat {
            case "REJECT": mix.append((.submitError(.invalidDestinationAddress), weight))
            case "NONE": mix.append((.noReceipt, weight))
            default: mix.append((.receipt(stat: stat, err: word.count > 1 ? word[1] : (stat == "DELIVRD" ? "000" : "001")), weight))
            }
        }
        guard !mix.isEmpty, mix.contains(where: { $0.weight > 0 }) else {
            throw SMSCConfigurationError("the mix '\(text)' has no outcome with a weight above 0")
        }
        return mix
    }
}

/// A configuration value the simulator cannot use, with what to write instead.
public struct SMSCConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// What the simulator does with one submitted message.
public enum SMSCOutcome: Sendable, Hashable {
    /// A receipt with this `stat` word and `err` code.
    case receipt(stat: String, err: String)
    /// The submit_sm is refused with this status.
    case submitError(SMPPCommandStatus)
    /// Accepted, then silence.
    case noReceipt
    /// Throttled on the first attempt for this destination, then delivered.
    case throttleOnce
    /// Delivered, and the destination replies with an inbound message.
    case deliveredWithReply

    /// Magic destinations: the last four digits choose the outcome (docs/integrations/smpp.md).
    public static func magic(for destination: String) -> SMSCOutcome? {
        guard destination.count >= 4, let code = Int(destination.suffix(4)) else { return nil }
        switch code {
        case 200: return .receipt(stat: "DELIVRD", err: "000")
        case 201...215: return .receipt(stat: "UNDELIV", err: String(format3: code - 200))
        case 220: return .receipt(stat: "REJECTD", err: "000")
        case 221: return .receipt(stat: "EXPIRED", err: "000")
        case 222: return .receipt(stat: "DELETED", err: "000")
        case 223: return .receipt(stat: "UNKNOWN", err: "000")
        case 230: return .submitError(.invalidDestinationAddress)
        case 231: return .throttleOnce
        case 232: return .noReceipt
        case 240: return .deliveredWithReply
        default: return nil
        }
    }
}

extension String {
    init(format3 value: Int) {
        let digits = Swift.String(value)
        self = Swift.String(repeating: "0", count: Swift.max(0, 3 - digits.count)) + digits
    }

    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first == " " { slice.removeFirst() }
        while slice.last == " " { slice.removeLast() }
        return String(slice)
    }
}
