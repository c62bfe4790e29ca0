import SMTP
import Synchronization

/// How `herald smtp-sink` answers each recipient, chosen by its local part (before any `+tag`), so tests and users'
/// own setups can ask for an outcome by address:
///
/// | local part | answer to RCPT TO |
/// |---|---|
/// | `unknown` | `550 5.1.1` mailbox unknown |
/// | `full` | `552 5.2.2` mailbox full |
/// | `spam` | `550 5.7.1` refused by policy |
/// | `noroute` | `550 5.4.4` no route to the domain |
/// | `defer` | `451 4.3.0` every time |
/// | `defer-once` | `451 4.3.0` the first time for this address, then `250` |
/// | `slow` | `250` after 10 s |
/// | `drop` | the connection is closed without a reply |
/// | `bounce` | `250`, then (with a DSN target) a `failed` 5.1.1 report: a bounce after the relay took it |
/// | anything else | `250` (with a DSN target, a `delivered` report when the sender asked NOTIFY=SUCCESS) |
public final class MagicRecipients: Sendable {
    private let deferred = Mutex<Set<String>>([])
    public let slowMilliseconds: Int

    public init(slowMilliseconds: Int = 10_000) {
        self.slowMilliseconds = slowMilliseconds
    }

    public func verdict(for recipient: String) -> SMTPServerStateMachine.Verdict {
        let local = recipient.split(separator: "@", maxSplits: 1).first.map { $0.split(separator: "+", maxSplits: 1).first ?? $0 } ?? ""
        switch local.lowercased() {
        case "unknown": return .refuse(SMTPReply(code: 550, "5.1.1 <\(recipient)>: mailbox unknown"))
        case "full": return .refuse(SMTPReply(code: 552, "5.2.2 <\(recipient)>: mailbox full"))
        case "spam": return .refuse(SMTPReply(code: 550, "5.7.1 <\(recipient)>: message refused by policy"))
        case "noroute": return .refuse(SMTPReply(code: 550, "5.4.4 <\(recipient)>: no route to the domain"))
        case "defer": return .refuse(SMTPReply(code: 451, "4.3.0 <\(recipient)>: try again later"))
        case "defer-once":
            let first = deferred.withLock { $0.insert(recipient.lowercased()).inserted }
            return first ? .refuse(SMTPReply(code: 451, "4.3.0 <\(recipient)>: try again later")) : .accept
        case "slow": return .acceptAfter(milliseconds: slowMilliseconds)
        case "drop": return .drop
        default: return .accept
        }
    }
}
