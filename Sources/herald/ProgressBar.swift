import Foundation

/// A one-line progress bar on standard error: redrawn in place on a terminal, a line every few seconds otherwise
/// (logs and CI keep a readable trace).
// @unchecked Sendable: the only mutable state (`lastLine`, `drawn`) is read and written under `lock`.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastLine = ContinuousClock.now - .seconds(60)
    private var drawn = false
    private let width = 30

    func draw(label: String, done: Int, total: Int, detail: String) {
        let share = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(share * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = "\(label.padding(toLength: 7, withPad: " ", startingAt: 0)) [\(bar)] \(String(format: "%3.0f%%", share * 100))  \(detail)"
        lock.withLock {
            if interactive {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
                drawn = true
            } else if ContinuousClock.now - lastLine >= .seconds(2) || share >= 1 {
                lastLine = ContinuousClock.now
                FileHandle.standardError.write(Data("\(text)\n".utf8))
            }
        }
    }

    /// A line of its own below the bar.
    func note(_ text: String) {
        lock.withLock {
            FileHandle.standardError.write(Data((((interactive && drawn) ? "\n" : "") + text + "\n").utf8))
            drawn = false
        }
    }

    /// Ends the bar's line.
    func end() {
        lock.withLock {
            if interactive, drawn { FileHandle.standardError.write(Data("\n".utf8)) }
            drawn = false
            lastLine = ContinuousClock.now - .seconds(60)
        }
    }
}
