/// Wakes dispatch workers: when a message is accepted, and on every tick of the poll timer.
///
/// Each worker has its own stream (an `AsyncStream` allows one consumer), buffering at most one
/// pending wake-up, so a burst of accepts costs one claim per worker, not one per message.
public final class WorkSignal: Sendable {
    private let continuations: [AsyncStream<Void>.Continuation]
    let streams: [AsyncStream<Void>]

    public init(workers: Int) {
        var continuations: [AsyncStream<Void>.Continuation] = []
        var streams: [AsyncStream<Void>] = []
        for _ in 0..<max(1, workers) {
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            streams.append(stream)
            continuations.append(continuation)
        }
        self.continuations = continuations
        self.streams = streams
    }

    public var workers: Int { streams.count }

    /// Wakes every worker.
    public func notify() {
        for continuation in continuations { continuation.yield() }
    }

    func finish() {
        for continuation in continuations { continuation.finish() }
    }
}
