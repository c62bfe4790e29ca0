import HeraldCore
import HeraldStore
import Logging
import ServiceLifecycle

/// Stores inbound (MO) messages connectors receive, then lets the connector acknowledge them to the provider.
///
/// Connectors call ``deliver(_:acknowledge:)`` from their I/O threads; the service stores messages in arrival
/// order and retries a failed write, so the provider's copy is released only once Herald has it.
public final class InboundRecorder: Service {
    private struct Item: Sendable {
        var message: InboundMessage
        var acknowledge: @Sendable () -> Void
    }

    private let store: any HeraldStore
    private let logger: Logger
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    public init(store: any HeraldStore, logger: Logger = Logger(label: "herald.inbound")) {
        self.store = store
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
    }

    /// Queues an inbound message; `acknowledge` runs after it is stored.
    public func deliver(_ message: InboundMessage, acknowledge: @escaping @Sendable () -> Void) {
        continuation.yield(Item(message: message, acknowledge: acknowledge))
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
                let stored = try await store.recordInbound(item.message)
                logger.info("inbound message stored", metadata: [
                    "id": "\(stored.id)", "from": "\(stored.from)", "in_reply_to": "\(stored.inReplyTo ?? "-")",
                ])
                item.acknowledge()
                return
            } catch {
                logger.error("storing an inbound message failed", metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        // Not acknowledged: the provider keeps it and sends it again.
    }
}
