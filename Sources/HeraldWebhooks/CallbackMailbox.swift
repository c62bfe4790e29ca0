import HeraldStore
import NIOCore
import NIOPosix
import Synchronization

/// Where the sender's loop hears about everything it started: finished attempts (from whichever event loop completed
/// them), claimed batches and recorded batches (from its database child tasks), and wake-ups (new deliveries stored).
/// The loop sleeps until one arrives or its wait times out; it never blocks on the database itself.
final class CallbackMailbox: Sendable {
    enum Item: Sendable {
        /// `endpointDown`: the endpoint is not answering; what waits for it goes back to the table until its retry time.
        case finished(DeliveryAttempt, target: String, messageID: String, endpointDown: Bool)
        /// `dry`: fewer than asked for, so nothing more is due right now.
        case claimed([WebhookDelivery], dry: Bool)
        /// Deliveries a committed transaction owed, leased to this sender (``DeliveryHandoff``).
        case handedOff([WebhookDelivery])
        case recorded
    }

    /// What one ``take(waitingUpTo:)`` returns.
    struct Mail {
        var items: [Item] = []
        /// ``poke()`` was called since the last take.
        var poked = false
    }

    private struct State {
        var mail = Mail()
        var waiter: (continuation: CheckedContinuation<Void, Never>, deadline: NIODeadline)?
        var ticker: RepeatedTask?
    }

    private let state = Mutex(State())
    private let timers: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()

    func post(_ item: Item) {
        wakeWaiter { $0.mail.items.append(item) }
    }

    func poke() {
        wakeWaiter { $0.mail.poked = true }
    }

    /// Everything that arrived so far; if nothing has, waits up to `timeout` first (to within the ticker's period).
    func take(waitingUpTo timeout: Duration) async -> Mail {
        if let ready = takeIfReady() { return ready }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if !state.mail.items.isEmpty || state.mail.poked { return true }
                state.waiter = (continuation, deadline)
                return false
            }
            if ready { continuation.resume() }
        }
        return takeIfReady() ?? Mail()
    }

    /// Wakes waits whose time is up, every `period`, until ``stopTicking()``: one timer for the sender's life rather
    /// than one per wait.
    func startTicking(every period: TimeAmount = .milliseconds(20)) {
        let ticker = timers.scheduleRepeatedTask(initialDelay: period, delay: period) { [self] _ in
            let now = NIODeadline.now()
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let waiter = state.waiter, waiter.deadline <= now else { return nil }
                state.waiter = nil
                return waiter.continuation
            }
            waiter?.resume()
        }
        state.withLock { $0.ticker = ticker }
    }

    func stopTicking() {
        state.withLock { state in
            defer { state.ticker = nil }
            return state.ticker
        }?.cancel()
    }

    private func wakeWaiter(after change: (inout State) -> Void) {
        let waiter = state.withLock { state in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume()
    }

    private func takeIfReady() -> Mail? {
        state.withLock { state in
            guard !state.mail.items.isEmpty || state.mail.poked else { return nil }
            let taken = state.mail
            state.mail = Mail()
            return taken
        }
    }
}
