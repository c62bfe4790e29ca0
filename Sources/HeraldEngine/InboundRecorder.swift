import Foundation
import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Stores inbound (MO) messages connectors receive, then lets the connector acknowledge them to the provider; and
/// unsubscribes that come by mail (``unsubscribe(messageID:at:acknowledge:giveUp:)``).
///
/// Connectors call ``deliver(_:acknowledge:)`` from their I/O threads; the service stores messages in arrival
/// order and retries a failed write, so the provider's copy is released only once Herald has it.
public final class InboundRecorder: Service {
    private enum Work: Sendable {
        case inbound(InboundMessage)
        /// Opt out the recipient of this message (a mail to `List-Unsubscribe`'s mailto address).
        case unsubscribe(messageID: String, at: Date)
    }

    private struct Item: Sendable {
        var work: Work
        var acknowledge: @Sendable () -> Void
        var giveUp: (@Sendable () -> Void)?
    }

    private let store: any InboundStore & SuppressionStore & AccountStore
    private let logger: Logger
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    /// Sends the answer to HELP (and, with it, the confirmation of STOP / START when set).
    private let replies: KeywordReplies?

    /// What Herald answers to keywords, sent from the number the subscriber wrote to.
    public struct KeywordReplies: Sendable {
        /// The gateway-wide answer to HELP; an account's `help_text` setting replaces it.
        public var help: String?
        public var send: @Sendable (_ accountID: String, _ to: String, _ from: String, _ text: String) async throws -> Void

        public init(help: String?, send: @escaping @Sendable (_ accountID: String, _ to: String, _ from: String, _ text: String) async throws -> Void) {
            self.help = help
            self.send = send
        }
    }

    public init(store: any InboundStore & SuppressionStore & AccountStore, replies: KeywordReplies? = nil, logger: Logger = Logger(label: "herald.inbound")) {
        self.store = store
        self.replies = replies
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    /// Queues an inbound message; `acknowledge` runs after it is stored, `giveUp` when it could not be (the database
    /// refused it six times): the connector then refuses it, so its provider sends it again.
    public func deliver(_ message: InboundMessage, acknowledge: @escaping @Sendable () -> Void, giveUp: (@Sendable () -> Void)? = nil) {
        if case .terminated = continuation.yield(Item(work: .inbound(message), acknowledge: acknowledge, giveUp: giveUp)) { giveUp?() }
    }

    /// Queues an unsubscribe by mail: the recipient of `messageID` is opted out of its account's messages on its channel
    /// (every sender); `acknowledge` runs once that is stored, `giveUp` when it could not be (the mail is then refused
    /// with a temporary error, so the sending server tries again).
    public func unsubscribe(messageID: String, at: Date, acknowledge: @escaping @Sendable () -> Void, giveUp: (@Sendable () -> Void)? = nil) {
        if case .terminated = continuation.yield(Item(work: .unsubscribe(messageID: messageID, at: at), acknowledge: acknowledge, giveUp: giveUp)) { giveUp?() }
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            for await item in stream {
                await record(item)
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
    }

    private func record(_ item: Item) async {
        var delay = Duration.milliseconds(50)
        for attempt in 1...6 {
            do {
                try await perform(item.work)
                item.acknowledge()
                return
            } catch {
                logger.error("storing an inbound message failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        // Not acknowledged: the provider keeps it and sends it again.
        item.giveUp?()
    }

    /// Stores one piece of work; throws when the store refused it (``record(_:)`` tries again).
    private func perform(_ work: Work) async throws {
        switch work {
        case .unsubscribe(let messageID, let at):
            let found = try await store.suppressRecipient(ofMessage: messageID, source: "unsubscribe-mail:\(messageID)", at: at)
            logger.info(found ? "unsubscribed by mail" : "unsubscribe by mail for a message no longer stored", metadata: ["message": "\(messageID)"])
        case .inbound(let message):
            let stored = try await store.recordInbound(message)
            if stored.isDuplicate {
                // Sent again by its provider: stored and answered the first time.
                logger.info("inbound message already stored", metadata: ["id": "\(stored.id)", "provider_id": "\(stored.providerMessageID ?? "-")"])
                return
            }
            logger.info("inbound message stored", metadata: [
                "id": "\(stored.id)", "from": "\(LogText.escaped(stored.from))", "in_reply_to": "\(stored.inReplyTo ?? "-")",
            ])
            try await applyKeyword(stored)
        }
    }

    /// STOP / STOPALL / START / UNSTOP from a subscriber change the account's suppression list for the number
    /// they wrote to (STOPALL: every sender). Applies to inbound messages linked to an account.
    private func applyKeyword(_ message: InboundMessage) async throws {
        guard message.channel == .sms, let accountID = message.accountID, let keyword = Keyword(text: message.text) else { return }
        switch keyword {
        case .optOut(let all):
            try await store.addSuppression(Suppression(accountID: accountID, channel: .sms, recipient: message.from,
                                                       sender: all ? "" : message.to, source: "inbound:\(message.id)", createdAt: message.receivedAt))
            logger.info("opted out", metadata: ["recipient": "\(LogText.escaped(message.from))", "sender": "\(all ? "*" : LogText.escaped(message.to))"])
        case .optIn:
            let removed = try await store.removeSuppressions(accountID: accountID, channel: .sms, recipient: message.from, sender: message.to)
            logger.info("opted back in", metadata: ["recipient": "\(LogText.escaped(message.from))", "removed": "\(removed)"])
        case .help:
            let accountHelp = try await store.account(id: accountID)?.settings.helpText
            guard let replies, let text = accountHelp ?? replies.help else {
                logger.info("HELP received; no help text configured", metadata: ["recipient": "\(LogText.escaped(message.from))"])
                return
            }
            try await replies.send(accountID, message.from, message.to, text)
            logger.info("HELP answered", metadata: ["recipient": "\(LogText.escaped(message.from))"])
        }
    }
}
