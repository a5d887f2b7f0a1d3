import Foundation
import TestSupport
import Testing

/// The outcome of one `curl -s -i` run.
struct CurlResult: Sendable {
    /// curl's exit code (0 ok, 28 timeout, 52 empty reply, 56 receive failure).
    var exitCode: Int32
    /// Status of the first response, if any arrived.
    var status: Int?
    /// Headers of the first response, names lower-cased.
    var headers: [String: String]
    /// Everything after the first header block (the body, or WebSocket frames after a 101).
    var body: Data
    /// `%{time_total}` in seconds.
    var seconds: Double

    var text: String { String(decoding: self.body, as: UTF8.self) }
}

/// Runs the real `curl` binary (found in `PATH`), so that the simulator is checked with a plain HTTP
/// client. Output goes to temporary files and the exit is awaited without blocking a thread.
enum Curl {
    static func run(_ arguments: [String]) async throws -> CurlResult {
        let directory = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let output = directory.appendingPathComponent("venue-sim-curl-\(id).out")
        let metrics = directory.appendingPathComponent("venue-sim-curl-\(id).metrics")
        defer {
            try? FileManager.default.removeItem(at: output)
            try? FileManager.default.removeItem(at: metrics)
        }
        // ChildProcess, not Foundation's Process: see its documentation (a crash of Process.run on Linux).
        let child = try ChildProcess(
            "curl", ["-s", "-i", "-o", output.path, "-w", "%{time_total}"] + arguments, stdout: .file(metrics.path))
        let exitCode = await child.wait()
        if exitCode == 127 {
            Issue.record("curl is not installed (apt-get install curl): these conformance tests need the real binary")
            throw CancellationError()
        }
        let raw = (try? Data(contentsOf: output)) ?? Data()
        let seconds = Double(String(decoding: (try? Data(contentsOf: metrics)) ?? Data(), as: UTF8.self)) ?? 0
        return Self.parse(raw, exitCode: exitCode, seconds: seconds)
    }

    private static func parse(_ raw: Data, exitCode: Int32, seconds: Double) -> CurlResult {
        let separator = Data("\r\n\r\n".utf8)
        guard let end = raw.range(of: separator) else {
            return CurlResult(exitCode: exitCode, status: nil, headers: [:], body: raw, seconds: seconds)
        }
        let head = String(decoding: raw[raw.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = lines.first.flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return CurlResult(
            exitCode: exitCode, status: status, headers: headers, body: Data(raw[end.upperBound...]), seconds: seconds)
    }

    /// Splits server-to-client WebSocket frames (unmasked) into text payloads.
    static func webSocketTextFrames(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var frames: [String] = []
        var index = 0
        while index + 2 <= bytes.count {
            let opcode = bytes[index] & 0x0F
            var length = Int(bytes[index + 1] & 0x7F)
            var start = index + 2
            if length == 126 {
                guard start + 2 <= bytes.count else { break }
                length = Int(bytes[start]) << 8 | Int(bytes[start + 1])
                start += 2
            } else if length == 127 {
                break
            }
            guard start + length <= bytes.count else { break }
            if opcode == 0x1 { frames.append(String(decoding: bytes[start..<start + length], as: UTF8.self)) }
            index = start + length
        }
        return frames
    }
}
