import NIOCore
import Synchronization

/// The bound sessions of one connector that can submit, handed out round robin.
final class SessionPool: Sendable {
    private let state = Mutex<(channels: [any NIOCore.Channel], next: Int)>(([], 0))

    func add(_ channel: any NIOCore.Channel) {
        state.withLock { $0.channels.append(channel) }
    }

    func remove(_ channel: any NIOCore.Channel) {
        state.withLock { state in state.channels.removeAll { $0 === channel } }
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// The next session, or `nil` when none is bound.
    func next() -> (any NIOCore.Channel)? {
        state.withLock { state in
            guard !state.channels.isEmpty else { return nil }
            state.next = (state.next + 1) % state.channels.count
            return state.channels[state.next]
        }
    }

    /// The next session, waiting up to `timeout` for one to bind.
    func next(waitingUpTo timeout: Duration) async -> (any NIOCore.Channel)? {
        if let channel = next() { return channel }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
            if let channel = next() { return channel }
        }
        return nil
    }
}
