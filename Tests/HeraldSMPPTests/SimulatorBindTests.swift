import Logging
import ServiceLifecycle
import SMSCSimulator
import Testing

@Suite("SMSC simulator: its port")
struct SimulatorBindTests {
    @Test("a simulator whose port is taken fails, and whoever waits for its port, before or after, hears so")
    func portTaken() async throws {
        var configuration = SMSCSimulatorConfiguration()
        configuration.port = 0
        let first = SMSCSimulator(configuration: configuration, logger: Logger(label: "test.smsc"))
        let group = ServiceGroup(services: [first], logger: Logger(label: "test.smsc"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let taken = try await first.port()
            configuration.port = taken
            let second = SMSCSimulator(configuration: configuration, logger: Logger(label: "test.smsc"))
            let waiting = Task { try await second.port() }
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: (any Error).self) { try await waiting.value }
            await #expect(throws: (any Error).self) { try await second.port() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test("a simulator run in a plain task stops when the task is cancelled")
    func cancelled() async throws {
        var configuration = SMSCSimulatorConfiguration()
        configuration.port = 0
        let simulator = SMSCSimulator(configuration: configuration, logger: Logger(label: "test.smsc"))
        let running = Task { try await simulator.run() }
        _ = try await simulator.port()
        running.cancel()
        try await running.value
    }
}
