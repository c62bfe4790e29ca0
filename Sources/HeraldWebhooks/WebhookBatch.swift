import HeraldStore

/// The body of a batched callback (a webhook created with `batch`): many events in one POST, each in its one shape
/// (``HeraldJSON/EventJSON``, as a single callback would carry it), in feed order.
///
///     {"type":"message.events","count":2,"events":[{...},{...}]}
enum WebhookBatch {
    static func body(_ payloads: [String]) -> String {
        var body = "{\"type\":\"message.events\",\"count\":\(payloads.count),\"events\":["
        body.reserveCapacity(payloads.reduce(body.utf8.count + 2) { $0 + $1.utf8.count + 1 })
        for (index, payload) in payloads.enumerated() {
            if index > 0 { body += "," }
            body += payload
        }
        return body + "]}"
    }
}

/// Deliveries of batched webhooks gathering into batches: a batch leaves when it holds `maxEvents` or when its oldest
/// delivery has waited `maxLatencyMs`. Pure: time is given (seconds on a monotonic clock).
struct BatchBuffer {
    private struct Gathering {
        var deliveries: [WebhookDelivery] = []
        var since: Double
        var batch: Webhook.Batch
        var deadline: Double { since + Double(batch.maxLatencyMs) / 1000 }
    }

    private var gathering: [String: Gathering] = [:]
    /// Deliveries gathering, all webhooks.
    private(set) var held = 0

    /// Adds a delivery; returns the batch it completes, if it does.
    mutating func add(_ delivery: WebhookDelivery, batch: Webhook.Batch, now: Double) -> [WebhookDelivery]? {
        // Out of the table while it grows (a copy left there would make each append copy the whole batch).
        var entry = gathering.removeValue(forKey: delivery.target) ?? Gathering(since: now, batch: batch)
        entry.deliveries.append(delivery)
        held += 1
        guard entry.deliveries.count >= batch.maxEvents else {
            gathering[delivery.target] = entry
            return nil
        }
        held -= entry.deliveries.count
        return entry.deliveries
    }

    /// Batches whose oldest delivery has waited long enough.
    mutating func due(now: Double) -> [[WebhookDelivery]] {
        var ready: [[WebhookDelivery]] = []
        for (target, entry) in gathering where entry.deadline <= now {
            ready.append(entry.deliveries)
            held -= entry.deliveries.count
            gathering[target] = nil
        }
        return ready
    }

    /// When the next batch is due (nil: nothing gathering).
    var nextDeadline: Double? { gathering.values.map(\.deadline).min() }

    /// Drops everything gathering (shutdown: the leases run out and the deliveries are claimed again).
    mutating func removeAll() {
        gathering = [:]
        held = 0
    }
}
