import Files
#if canImport(Glibc)
import Glibc
#endif

/// One data folder, one owner: `up` holds an exclusive flock on `instance.lock` for as long as
/// it runs, with its pid and URLs written in the file. The kernel drops the lock when the owner
/// dies, however it dies, so a stale file (a dead pid) is simply taken over; the descriptor is
/// close-on-exec, so no child can keep a dead runner's lock alive.
public final class InstanceLock: Sendable {
    /// Who holds a data folder.
    public struct Owner: Sendable, Equatable {
        public let pid: Int32
        public let routerURL: String
        public let relayURL: String
    }

    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Takes the folder or throws one line naming the running owner.
    public static func acquire(_ files: InstanceFiles, as owner: Owner) throws -> InstanceLock {
        try FileSystem.makeDirectories(files.dataDirectory, mode: 0o755)
        let descriptor = open(files.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw OperatorCommands.Failure(description: "cannot open \(files.lock): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = read(descriptor)
            close(descriptor)
            let who = holder.map { "pid \($0.pid) (router \($0.routerURL), relay \($0.relayURL))" } ?? "another local-runner"
            throw OperatorCommands.Failure(description:
                "\(files.dataDirectory) is in use by \(who); stop it first (kill -INT \(holder.map { String($0.pid) } ?? "PID")) or use another --data-dir")
        }
        let bytes = Array(owner.text.utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, bytes, bytes.count, 0) == bytes.count else {
            close(descriptor)
            throw OperatorCommands.Failure(description: "cannot write \(files.lock): \(String(cString: strerror(errno)))")
        }
        return InstanceLock(descriptor: descriptor)
    }

    /// The live owner of a data folder, nil when nobody holds it (no file, or a dead owner's).
    public static func owner(_ files: InstanceFiles) -> Owner? {
        let descriptor = open(files.lock, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return nil
        }
        return read(descriptor)
    }

    /// Gives the folder up (also happens when the process ends).
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func read(_ descriptor: Int32) -> Owner? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Owner(text: String(decoding: buffer.prefix(count), as: UTF8.self))
    }
}

extension InstanceLock.Owner {
    /// The lock file's text: KEY=VALUE lines.
    var text: String { "PID=\(pid)\nROUTER_URL=\(routerURL)\nRELAY_URL=\(relayURL)\n" }

    init?(text: String) {
        let values = KeyValueFile.parse(text)
        guard let pid = values["PID"].flatMap({ Int32($0) }) else { return nil }
        self.init(pid: pid, routerURL: values["ROUTER_URL"] ?? "?", relayURL: values["RELAY_URL"] ?? "?")
    }
}
