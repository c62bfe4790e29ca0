/// What an inbound message asks for when it is one of the carrier-standard keywords.
///
/// Only a message that is the keyword alone counts (case, surrounding blanks and punctuation ignored):
/// "Stop." opts out, "Please stop sending me offers" does not.
public enum Keyword: Sendable, Hashable {
    /// Opt out of this sender (STOP, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPT OUT) or of every sender (STOPALL).
    case optOut(allSenders: Bool)
    /// Opt back in (START, UNSTOP).
    case optIn
    /// HELP: the account's help text is due.
    case help

    public init?(text: String) {
        let cleaned = String(text.uppercased().filter { $0.isLetter || $0 == " " })
            .split(separator: " ").joined(separator: " ")
        switch cleaned {
        case "STOP", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT", "OPTOUT": self = .optOut(allSenders: false)
        case "STOPALL", "STOP ALL": self = .optOut(allSenders: true)
        case "START", "UNSTOP": self = .optIn
        case "HELP": self = .help
        default: return nil
        }
    }
}
