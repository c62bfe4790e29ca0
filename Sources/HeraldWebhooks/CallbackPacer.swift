import HeraldStore
import NIOCore

/// Which claimed callbacks go out now, per endpoint: the pure core of ``WebhookSender``'s loop (no I/O, time given).
///
/// - **Adaptive concurrency per endpoint.** Each endpoint starts at ``Limits/initial`` requests in flight and grows
///   while it answers in time: by one per success at first (doubling every round trip), by one per round trip after
///   its first slow-down. A failure halves the limit; an answer slower than ``Limits/slowLatencyMs`` cuts it to 3/4, at
///   most once per ``Limits/cutEpoch`` (one slow round trip is one signal, not a hundred).
/// - **In sequence per message.** Of one message's callbacks to one endpoint, one is in flight at a time, in the order
///   they were claimed (the feed's order), so a receiver sees SENT before DELIVERED.
/// - **Held in memory, not sent back.** Callbacks an endpoint has no slot for wait here (they keep their lease): all the
///   sender has room for while the endpoint is healthy, ``Limits/waitingPerSlot`` per allowed request once it failed or
///   slowed down; only beyond that does the sender put them back in the table.
struct CallbackPacer {
    struct Limits: Sendable {
        var initial = 8
        var maximum = 256
        var waitingPerSlot = 8
        /// Most deliveries one healthy endpoint may hold waiting (the sender's room); a quarter of it for one that failed or slowed down.
        var maximumWaiting = 1024
        var slowLatencyMs = 1_000
        /// Seconds between two cuts of one endpoint's limit.
        var cutEpoch = 0.1
    }

    /// What became of an offered delivery.
    enum Offer: Equatable {
        /// Send it now.
        case start
        /// It waits for a slot of its endpoint.
        case queued
        /// Its endpoint's queue is full: put it back in the table for a moment.
        case overflow
    }

    private struct Endpoint {
        var limit: Double
        var inFlight = 0
        var messagesInFlight: Set<String> = []
        /// Oldest first; a ring, so that starting the oldest does not move every other one down.
        var queue = CircularBuffer<WebhookDelivery>()
        /// Messages with a delivery in `queue`, and how many.
        var messagesQueued: [String: Int] = [:]
        var slowStart = true
        var lastCut = -Double.infinity

        var allowed: Int { Int(limit.rounded(.down)) }
    }

    let limits: Limits
    private var endpoints: [String: Endpoint] = [:]
    /// Requests in flight, all endpoints.
    private(set) var inFlight = 0
    /// Deliveries waiting for a slot, all endpoints.
    private(set) var waiting = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The endpoints with requests in flight, and how many each (for a log line saying what a shutdown waits for).
    var busyEndpoints: [String: Int] {
        endpoints.compactMapValues { $0.inFlight > 0 ? $0.inFlight : nil }
    }

    /// The current limit of an endpoint (its initial one if never seen).
    func limit(of target: String) -> Int {
        endpoints[target]?.allowed ?? limits.initial
    }

    /// Takes a claimed delivery: start it, queue it, or refuse it when its endpoint's queue is full.
    mutating func offer(_ delivery: WebhookDelivery) -> Offer {
        // Taken out of the table while it changes: a copy left in it would make every change below copy the endpoint's
        // set, queue and counts (copy on write), a cost growing with the callbacks in flight and waiting.
        var endpoint = endpoints.removeValue(forKey: delivery.target) ?? Endpoint(limit: Double(limits.initial))
        defer { endpoints[delivery.target] = endpoint }
        if endpoint.inFlight < endpoint.allowed, !endpoint.messagesInFlight.contains(delivery.messageID),
           endpoint.messagesQueued[delivery.messageID] == nil {
            start(delivery, at: &endpoint)
            return .start
        }
        guard endpoint.queue.count < waitingCap(endpoint) else { return .overflow }
        endpoint.queue.append(delivery)
        endpoint.messagesQueued[delivery.messageID, default: 0] += 1
        waiting += 1
        return .queued
    }

    /// How many deliveries an endpoint may hold waiting. One that has proven fast (its limit grew past the initial one)
    /// and never failed or slowed down drains its queue as fast as its limit grows, so it may hold all the sender has
    /// room for (a burst of callbacks one transaction owed waits here rather than going back to the table); any other
    /// may hold ``Limits/waitingPerSlot`` per allowed request, at most a quarter of that room, so an endpoint that has not
    /// answered yet or struggles never starves the others.
    private func waitingCap(_ endpoint: Endpoint) -> Int {
        if endpoint.slowStart, endpoint.allowed > limits.initial { return limits.maximumWaiting }
        return min(max(limits.waitingPerSlot * endpoint.allowed, 16), max(1, limits.maximumWaiting / 4))
    }

    /// What a finished request frees.
    struct Next: Equatable {
        /// Send these now.
        var start: [WebhookDelivery] = []
        /// The endpoint is down: these waited for it and go back to the table until its retry time.
        var postpone: [WebhookDelivery] = []
    }

    /// A request ended: adapts the endpoint's limit and says what starts now, or, when the endpoint is `down` (it
    /// failed and waits for its retry time), which waiting deliveries go back to the table.
    mutating func finished(target: String, messageID: String, succeeded: Bool, down: Bool = false, latencyMs: Int, now: Double) -> Next {
        guard var endpoint = endpoints.removeValue(forKey: target) else { return Next() }  // unshared while it changes
        endpoint.inFlight -= 1
        inFlight -= 1
        endpoint.messagesInFlight.remove(messageID)
        if !succeeded {
            endpoint.limit = max(1, endpoint.limit / 2)
            endpoint.slowStart = false
        } else if latencyMs > limits.slowLatencyMs {
            if now - endpoint.lastCut >= limits.cutEpoch {
                endpoint.limit = max(1, endpoint.limit * 0.75)
                endpoint.lastCut = now
            }
            endpoint.slowStart = false
        } else if endpoint.queue.count > 0 || endpoint.inFlight + 1 >= endpoint.allowed {
            // Grow only when the limit is what holds callbacks back.
            endpoint.limit = min(Double(limits.maximum), endpoint.limit + (endpoint.slowStart ? 1 : 1 / endpoint.limit))
        }
        var next = Next()
        if down {
            next.postpone = Array(endpoint.queue)
            waiting -= endpoint.queue.count
            endpoint.queue = []
            endpoint.messagesQueued = [:]
        } else {
            next.start = startQueued(&endpoint)
        }
        keep(endpoint, for: target)
        return next
    }

    /// Empties every queue (shutdown: their leases run out and they are claimed again).
    mutating func drainAll() -> [WebhookDelivery] {
        var drained: [WebhookDelivery] = []
        for target in Array(endpoints.keys) {
            guard var endpoint = endpoints.removeValue(forKey: target) else { continue }
            drained += endpoint.queue
            waiting -= endpoint.queue.count
            endpoint.queue = []
            endpoint.messagesQueued = [:]
            endpoints[target] = endpoint
        }
        return drained
    }

    /// Takes back deliveries ``finished(target:messageID:succeeded:down:latencyMs:now:)`` said to start that will not
    /// be sent after all (the sender is stopping): they no longer count as in flight.
    mutating func giveBack(_ deliveries: [WebhookDelivery]) {
        for delivery in deliveries {
            guard var endpoint = endpoints.removeValue(forKey: delivery.target) else { continue }
            endpoint.inFlight -= 1
            inFlight -= 1
            endpoint.messagesInFlight.remove(delivery.messageID)
            keep(endpoint, for: delivery.target)
        }
    }

    /// Puts an endpoint back in the table, unless it is idle at its initial limit: then it has nothing to remember.
    private mutating func keep(_ endpoint: Endpoint, for target: String) {
        if !(endpoint.inFlight == 0 && endpoint.queue.isEmpty && endpoint.allowed <= limits.initial && endpoint.slowStart) {
            endpoints[target] = endpoint
        }
    }

    private mutating func start(_ delivery: WebhookDelivery, at endpoint: inout Endpoint) {
        endpoint.inFlight += 1
        endpoint.messagesInFlight.insert(delivery.messageID)
        inFlight += 1
    }

    /// Starts queued deliveries in order while slots are free, passing over those whose message has one in flight.
    private mutating func startQueued(_ endpoint: inout Endpoint) -> [WebhookDelivery] {
        var started: [WebhookDelivery] = []
        var offset = 0
        var held: Set<String> = []
        while endpoint.inFlight < endpoint.allowed, offset < endpoint.queue.count {
            let position = endpoint.queue.index(endpoint.queue.startIndex, offsetBy: offset)
            let delivery = endpoint.queue[position]
            // A message whose earlier callback waits (or flies) keeps its later ones behind it.
            if endpoint.messagesInFlight.contains(delivery.messageID) || held.contains(delivery.messageID) {
                held.insert(delivery.messageID)
                offset += 1
                continue
            }
            if offset == 0 { endpoint.queue.removeFirst() } else { endpoint.queue.remove(at: position) }
            if let count = endpoint.messagesQueued[delivery.messageID] {
                endpoint.messagesQueued[delivery.messageID] = count > 1 ? count - 1 : nil
            }
            waiting -= 1
            start(delivery, at: &endpoint)
            started.append(delivery)
        }
        return started
    }
}
