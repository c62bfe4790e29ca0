import HeraldConnectors
import HeraldCore
import SMTP

/// What an SMTP answer means for a message, decided in one place: the reply (code and RFC 3463 enhanced code) and
/// the step it answered become Herald's submit result, reason and provider detail (the raw reply kept).
enum SMTPOutcome {
    static func result(_ outcome: SMTPClientStateMachine.Outcome, providerID: String) -> SubmitResult {
        if isRelayProblem(outcome) {
            // Nothing about the message was said: it waits for the relay (or another route), not counted as an attempt.
            switch outcome {
            case .refused(let reply, let stage):
                var detail = detail(reply)
                detail.text = "\(stage.rawValue) refused: " + (detail.text ?? "")
                return .unavailable(detail: detail)
            case .failed(let error): return .unavailable(detail: ProviderDetail(text: error.description))
            case .accepted: break
            }
        }
        switch outcome {
        case .accepted(let reply):
            // The relay has it; what becomes of it next the DSNs tell.
            return .sent(providerMessageID: providerID, detail: detail(reply))
        case .refused(let reply, let stage):
            let reason = reason(for: reply)
            if reply.isTransient { return .temporaryFailure(reason, detail: detail(reply)) }
            switch stage {
            case .rcpt, .data, .message:
                // The recipient's side refused it for good: a bounce at submission.
                return .undeliverable(reason, detail: detail(reply))
            case .greeting, .ehlo, .helo, .starttls, .auth, .mail:
                // The relay refused Herald (its sender, its connection): not the recipient's fault.
                return .permanentFailure(.providerRejected, detail: detail(reply))
            }
        case .failed(let error) where !error.isTransient:
            // The address needs what the server cannot do: no other attempt through it will differ.
            return .undeliverable(.invalidAddress, detail: ProviderDetail(errorCode: "5.6.7", text: error.description))
        case .failed(let error):
            return .temporaryFailure(.networkError, detail: ProviderDetail(text: error.description))
        }
    }

    /// Whether the transaction ended before MAIL FROM for a reason every message would meet: no connection, TLS or
    /// AUTH failed, the greeting or EHLO refused. The relay is then down (``RelayHealth``), not the message's fault.
    private static func isRelayProblem(_ outcome: SMTPClientStateMachine.Outcome) -> Bool {
        switch outcome {
        case .accepted: false
        case .refused(_, let stage): [.greeting, .ehlo, .helo, .starttls, .auth].contains(stage)
        case .failed(let error): error.isConnectionLevel
        }
    }

    /// The reason behind a 4xx or 5xx, from its enhanced status code when there is one (RFC 3463 subjects: 1 address,
    /// 2 mailbox, 3 mail system, 4 network and routing, 5 protocol, 6 content, 7 security and policy).
    static func reason(for reply: SMTPReply) -> ReasonCode {
        guard let code = reply.enhancedCode else { return reply.isTransient ? .softBounce : .hardBounce }
        return reason(for: code)
    }

    /// The reason an enhanced status code gives (the class says transient or permanent).
    static func reason(for code: EnhancedStatusCode) -> ReasonCode {
        let transient = code.statusClass == 4
        switch (code.subject, code.detail) {
        case (1, 1), (1, 0), (1, 2), (1, 6), (1, 10): return .mailboxUnknown
        case (1, _): return transient ? .softBounce : .invalidAddress
        case (2, 2): return .mailboxFull
        case (2, _): return transient ? .softBounce : .hardBounce
        case (4, _): return transient ? .networkError : .destinationUnreachable
        case (7, _): return .antiSpamRejection
        case (3, 4), (6, _): return .invalidMessage
        default: return transient ? .softBounce : .hardBounce
        }
    }

    static func detail(_ reply: SMTPReply) -> ProviderDetail {
        ProviderDetail(status: String(reply.code), errorCode: reply.enhancedCode?.description, text: String(reply.description.prefix(500)))
    }
}
