import Synchronization

/// The newest text frames of one direction of a WebSocket face (received or sent), exactly as they went over the
/// wire: for tests that validate what a client sent or was sent.
///
/// Trimmed in batches: up to a tenth more than ``limit`` frames are held between trims, never returned.
final class FrameCapture: Sendable {
    /// Most frames returned by ``frames()``.
    let limit: Int
    private let captured = Mutex<[String]>([])

    /// An empty capture that keeps the newest `limit` frames.
    init(limit: Int) {
        self.limit = limit
    }

    /// Records one frame.
    func record(_ frame: String) {
        self.captured.withLock { frames in
            frames.append(frame)
            if frames.count > self.limit + self.limit / 10 {
                frames.removeFirst(frames.count - self.limit)
            }
        }
    }

    /// The frames recorded since creation or the last ``removeAll()``, oldest first (the newest ``limit``).
    func frames() -> [String] {
        self.captured.withLock { Array($0.suffix(self.limit)) }
    }

    /// Forgets every frame recorded.
    func removeAll() {
        self.captured.withLock { $0.removeAll() }
    }
}
