/// How a fake provider's callbacks come: after a delay, sometimes twice, out of order, or before the API's answer.
public struct FakeBehaviour: Sendable {
    /// Milliseconds from the API answer to the final callback (the first comes halfway).
    public var delayMs: ClosedRange<Int> = 20...200
    /// Share of messages whose last callback is sent twice.
    public var duplicates = 0.0
    /// Share of messages whose callbacks come in reverse order.
    public var reorder = 0.0
    /// Share of messages whose callbacks are all sent before the API answers.
    public var early = 0.0

    public init() {}

    /// One message's callbacks as they go: `steps` in order (reversed, with the last repeated, at the configured shares),
    /// each with its delay in milliseconds after the API answer; `early`: all of them before it.
    func plan<Step>(_ steps: [Step]) -> (steps: [(step: Step, afterMs: Int)], early: Bool) {
        var steps = steps
        if Double.random(in: 0..<1) < reorder { steps.reverse() }
        if Double.random(in: 0..<1) < duplicates, let last = steps.last { steps.append(last) }
        let delay = Int.random(in: delayMs)
        let timed = steps.enumerated().map { index, step in (step, index == 0 ? delay / 2 : delay + (index - 1) * 5) }
        return (timed, Double.random(in: 0..<1) < early)
    }
}

extension CallbackPoster {
    /// Sends one message's planned callbacks: now, one after another (`early`), or each at its delay.
    func deliver(_ callbacks: [(callback: Callback, afterMs: Int)], early: Bool) async {
        for (callback, delay) in callbacks {
            if early { await post(callback) } else { post(callback, afterMilliseconds: delay) }
        }
    }
}
