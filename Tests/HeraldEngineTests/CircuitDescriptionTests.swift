import Foundation
import HeraldEngine
import Testing

@Suite("Connector circuits as operators read them")
struct CircuitDescriptionTests {
    @Test("closed, counting failures; open until the cool-off ends; then half-open; a success closes it; reading changes nothing")
    func describes() {
        let registry = ConnectorRegistry([], tripAfter: 2, coolOff: 30)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(registry.circuit(of: "carrier", now: now) == "closed")
        registry.recordTemporaryFailure("carrier", now: now)
        #expect(registry.circuit(of: "carrier", now: now) == "closed (1 temporary failure in a row of 2 that open it)")
        registry.recordTemporaryFailure("carrier", now: now)
        #expect(registry.circuit(of: "carrier", now: now) == "open until 2027-01-15T08:00:30.000Z after 2 temporary failures in a row")
        #expect(registry.circuit(of: "carrier", now: now.addingTimeInterval(31)) == "half-open: the next attempt tries it")
        #expect(registry.circuit(of: "carrier", now: now.addingTimeInterval(10)).hasPrefix("open until"), "reading did not half-open it")
        registry.recordSuccess("carrier")
        #expect(registry.circuit(of: "carrier", now: now) == "closed")
    }
}
