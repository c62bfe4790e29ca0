import Synchronization

/// Collects request latencies and outcomes across connections.
final class LatencyRecorder: Sendable {
    private let state = Mutex<(latencies: [Double], errors: Int, firstError: String?)>(([], 0, nil))

    func record(_ duration: Duration, ok: Bool, error: String? = nil) {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        state.withLock {
            $0.latencies.append(milliseconds)
            if !ok {
                $0.errors += 1
                if $0.firstError == nil { $0.firstError = error }
            }
        }
    }

    var count: Int { state.withLock { $0.latencies.count } }
    var errors: (count: Int, first: String?) { state.withLock { ($0.errors, $0.firstError) } }

    func percentile(_ p: Double) -> Double {
        let sorted = state.withLock { $0.latencies }.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
