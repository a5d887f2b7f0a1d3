import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal WebSocket client over a plain POSIX socket (RFC 6455: masked client frames, unmasked server frames), so
/// that the CPlugin hub can be driven from tests without a WebSocket library. The socket is non-blocking and every
/// wait is a `Task.sleep` poll, so no test ever blocks a thread of the cooperative pool.
final class RawWebSocket {
    /// One frame from the server.
    enum Frame: Equatable {
        case text(String)
        case binary([UInt8])
        case close(code: UInt16?)
        case ping
        case pong
    }

    /// The status line and headers of the server's answer to the upgrade request.
    struct Handshake {
        var status: Int
        var head: String
        var body: String
    }

    private let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        posixClose(self.fd)
    }

    /// Connects to `127.0.0.1:port` and sends `GET target` as a WebSocket upgrade with `headers`. Returns the
    /// socket when the server switched protocols (101), else `nil`, and the server's answer either way.
    static func connect(
        port: Int, target: String, headers: [String] = [], timeout: Duration = .seconds(5)
    ) async throws -> (socket: RawWebSocket?, handshake: Handshake) {
        let fd = try Self.openSocket(port: port)
        let socket = RawWebSocket(fd: fd)
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        request += "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        request += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        for header in headers { request += header + "\r\n" }
        request += "\r\n"
        try await socket.write(Array(request.utf8))
        let deadline = ContinuousClock.now + timeout
        while true {
            if let end = socket.buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: socket.buffer[..<end.lowerBound], as: UTF8.self)
                socket.buffer.removeSubrange(..<end.upperBound)
                let status = head.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
                if status == 101 { return (socket, Handshake(status: status, head: head, body: "")) }
                let length = head.lowercased().split(separator: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                while socket.buffer.count < length, ContinuousClock.now < deadline, try await socket.fill() {}
                let body = String(decoding: socket.buffer.prefix(length), as: UTF8.self)
                return (nil, Handshake(status: status, head: head, body: body))
            }
            guard ContinuousClock.now < deadline, try await socket.fill() else {
                return (nil, Handshake(status: 0, head: "", body: ""))
            }
        }
    }

    /// Sends a text frame (masked, as clients must).
    func send(text: String) async throws {
        try await self.write(Self.frame(opcode: 0x1, payload: Array(text.utf8)))
    }

    /// Sends a close frame with status 1000.
    func sendClose() async throws {
        try await self.write(Self.frame(opcode: 0x8, payload: [0x03, 0xE8]))
    }

    /// The next frame, or `nil` when the connection ended or `timeout` passed first.
    func next(timeout: Duration) async throws -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = self.parseFrame() { return frame }
            guard ContinuousClock.now < deadline, try await self.fill() else { return nil }
        }
    }

    /// Hub records (text frames split on 0x1E) until `stop` accepts one or `timeout` passes; pings from the server
    /// are collected like any record. Returns every record read and whether the connection ended.
    func records(
        timeout: Duration, until stop: (String) -> Bool = { _ in false }
    ) async throws -> (records: [String], ended: Bool) {
        let deadline = ContinuousClock.now + timeout
        var records: [String] = []
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return (records, false) }
            guard let frame = try await self.next(timeout: remaining) else { return (records, self.isClosed) }
            switch frame {
            case .text(let text):
                for record in text.split(separator: "\u{1E}", omittingEmptySubsequences: true).map(String.init) {
                    records.append(record)
                    if stop(record) { return (records, false) }
                }
            case .close:
                return (records, true)
            default:
                continue
            }
        }
    }

    // MARK: - Framing

    private static func frame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            bytes.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(0x80 | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((payload.count >> shift) & 0xFF)) }
        }
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        bytes += mask
        for (index, byte) in payload.enumerated() { bytes.append(byte ^ mask[index % 4]) }
        return bytes
    }

    private func parseFrame() -> Frame? {
        guard self.buffer.count >= 2 else { return nil }
        let opcode = self.buffer[0] & 0x0F
        var length = Int(self.buffer[1] & 0x7F)
        var start = 2
        if length == 126 {
            guard self.buffer.count >= 4 else { return nil }
            length = Int(self.buffer[2]) << 8 | Int(self.buffer[3])
            start = 4
        } else if length == 127 {
            guard self.buffer.count >= 10 else { return nil }
            length = self.buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            start = 10
        }
        guard self.buffer.count >= start + length else { return nil }
        let payload = Array(self.buffer[start..<start + length])
        self.buffer.removeFirst(start + length)
        switch opcode {
        case 0x1: return .text(String(decoding: payload, as: UTF8.self))
        case 0x2: return .binary(payload)
        case 0x8: return .close(code: payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil)
        case 0x9: return .ping
        case 0xA: return .pong
        default: return .binary(payload)
        }
    }

    // MARK: - Socket

    private static func openSocket(port: Int) throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                posixConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            posixClose(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    /// Reads what is available; waits 5 ms when nothing is. `false` once the peer closed the connection.
    private func fill() async throws -> Bool {
        guard !self.isClosed else { return false }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            self.buffer += chunk[..<count]
            return true
        }
        if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            self.isClosed = true
            return false
        }
        try await Task.sleep(for: .milliseconds(5))
        return true
    }

    private func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { pointer in
                #if os(Linux)
                Glibc.send(self.fd, pointer.baseAddress, pointer.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(self.fd, pointer.baseAddress, pointer.count, 0)
                #endif
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                try await Task.sleep(for: .milliseconds(5))
            } else {
                throw POSIXError(.EPIPE)
            }
        }
    }
}

#if canImport(Glibc)
private func posixClose(_ fd: Int32) { _ = Glibc.close(fd) }
private func posixConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Glibc.connect(fd, address, length)
}
#else
private func posixClose(_ fd: Int32) { _ = Darwin.close(fd) }
private func posixConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    Darwin.connect(fd, address, length)
}
#endif
