public import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with `posix_spawn`, for tests and benchmarks.
///
/// Foundation's `Process.run()` on Linux (Swift 6.3.1) crashes now and then with a buffer over-read while it scans
/// `/proc/self/fd` (swiftlang/swift-corelibs-foundation#5472, fixed after 6.3.1); a test suite that starts hundreds of
/// `curl` processes hits it. This type spawns directly: standard input from `/dev/null`, standard output and error
/// to files (or `/dev/null`), every other descriptor closed in the child.
///
/// - Important: for tests and benchmarks only.
public final class ChildProcess: Sendable {
    /// Where an output stream goes.
    public enum Output: Sendable {
        /// Discarded.
        case null
        /// Written to this file (created or truncated).
        case file(String)
        /// Appended to this file (created if missing).
        case appending(String)
        /// (Standard error only) into standard output.
        case standardOutput
    }

    /// The child's process id.
    public let pid: pid_t
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment (default: this process's).
    ///   - directory: the child's working directory (default: this process's).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        stdout: Output = .null, stderr: Output = .null
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (descriptor, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            case .appending(let path):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, descriptor)
            }
        }
        // glibc ≥ 2.29/2.34 have these; Swift's Glibc module does not import the `_np` names, so they are looked up.
        if let directory {
            guard let addchdir = Self.glibc("posix_spawn_file_actions_addchdir_np", as: AddChdir.self) else {
                throw SpawnError(executable: executable, code: ENOSYS)
            }
            _ = addchdir(&actions, directory)
        }
        if let addclosefrom = Self.glibc("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self) {
            _ = addclosefrom(&actions, 3)
        }
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                posix_spawnp(
                    &pid, executable, &actions, nil, UnsafeMutablePointer(mutating: argvBuffer.baseAddress!),
                    UnsafeMutablePointer(mutating: envpBuffer.baseAddress!))
            }
        }
        guard result == 0 else { throw SpawnError(executable: executable, code: result) }
        self.pid = pid
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func glibc<F>(_ name: String, as type: F.Type) -> F? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }

    /// Sends `signal` (SIGTERM by default) unless the child has already exited.
    public func signal(_ signal: Int32 = SIGTERM) {
        if self.exitStatus.withLock({ $0 }) == nil { kill(self.pid, signal) }
    }

    /// Whether the child is still running (reaps it if it has exited).
    public var isRunning: Bool { self.poll() == nil }

    /// Waits for the child to exit; its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() async -> Int32 {
        while true {
            if let status = self.poll() { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits up to `timeout`; sends SIGKILL if the child is still running then, and returns its status.
    public func wait(timeout: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = self.poll() { return status }
            try? await Task.sleep(for: .milliseconds(10))
        }
        self.signal(SIGKILL)
        return await self.wait()
    }

    private func poll() -> Int32? {
        self.exitStatus.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            let reaped = waitpid(self.pid, &status, WNOHANG)
            guard reaped == self.pid else { return reaped < 0 ? -1 : nil }
            let code = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
            known = code
            return code
        }
    }

    /// Runs `executable` to completion and returns its exit status and its standard output (and error, with
    /// `includeErrors`).
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        includeErrors: Bool = false, timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, output: Data) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let child = try ChildProcess(
            executable, arguments, environment: environment, directory: directory, stdout: .file(path),
            stderr: includeErrors ? .standardOutput : .null)
        let status = await child.wait(timeout: timeout)
        return (status, (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
    }

    /// `posix_spawn` failed.
    public struct SpawnError: Error, CustomStringConvertible {
        /// What was started.
        public var executable: String
        /// The error number.
        public var code: Int32
        public var description: String { "cannot start \(self.executable): \(String(cString: strerror(self.code)))" }
    }
}
