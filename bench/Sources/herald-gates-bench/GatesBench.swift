import Foundation
import HeraldCore
import HeraldEngine
import PhoneNumbers

/// In-process cost of the pre-send gates that run on every message, without HTTP or storage:
/// libphonenumber parsing, the whole validation of an SMS, template rendering. Prints nanoseconds per call.
/// `swift run -c release herald-gates-bench [iterations]`.
@main
struct GatesBench {
    static func main() {
        let iterations = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 200_000
        let numbers = (0..<1000).map { "+1415\(200 + $0 % 800)\(2000 + $0)" }
        let national = (0..<1000).map { "07400 \(100_000 + $0)" }
        var sink = 0
        measure("PhoneNumber.parse +1 E.164", iterations) { index in
            if case .success(let number) = PhoneNumber.parse(numbers[index % numbers.count]) { sink &+= number.nationalNumber.count }
        }
        measure("PhoneNumber.parse GB national", iterations) { index in
            if case .success(let number) = PhoneNumber.parse(national[index % national.count], defaultRegion: "GB") { sink &+= number.nationalNumber.count }
        }
        let validator = MessageValidator()
        measure("MessageValidator.validate SMS", iterations) { index in
            let request = SendRequest(channel: "sms", to: numbers[index % numbers.count], text: "Your code is \(index)")
            if case .success(let draft) = validator.validate(request) { sink &+= draft.segments }
        }
        let template = MessageTemplate(accountID: "a", name: "otp", body: "Hi {{name}}, your code is {{code}}", updatedAt: Date())
        measure("TemplateRenderer.render (parse + render)", iterations / 4) { index in
            if case .success(let output) = TemplateRenderer.render(template, variables: ["name": "Ann", "code": String(index)]) { sink &+= output.text.count }
        }
        let compiled = try! TemplateRenderer.Compiled(template)
        measure("TemplateRenderer.Compiled.render", iterations) { index in
            if case .success(let output) = compiled.render(["name": "Ann", "code": String(index)]) { sink &+= output.text.count }
        }
        measure("PhoneNumber.timeZones", iterations) { index in
            if case .success(let number) = PhoneNumber.parse(numbers[index % numbers.count]) { sink &+= number.timeZones.count }
        }
        print("checksum \(sink)")
    }

    static func measure(_ name: String, _ iterations: Int, _ body: (Int) -> Void) {
        for index in 0..<min(1000, iterations) { body(index) }  // warm up (metadata load, caches)
        let start = ContinuousClock.now
        for index in 0..<iterations { body(index) }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "%@: %.0f ns/call (%.0f calls/s, %d calls)", name, seconds / Double(iterations) * 1e9, Double(iterations) / seconds, iterations))
    }
}
