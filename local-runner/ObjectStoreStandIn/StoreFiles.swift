#if canImport(Glibc)
import Glibc
#endif
import ObjectStore
import Files

/// The shared file operations with the store's error meaning: a path component that is a file
/// where a directory is needed (key `a` while `a/b` is written, or the reverse) is a key conflict.
enum StoreFiles {
    static func makeDirectories(_ path: String) throws(LocalObjectStoreError) {
        do { try FileSystem.makeDirectories(path) } catch { throw mapped(error) }
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String, temporaryDirectory: String) throws(LocalObjectStoreError) {
        do { try FileSystem.writeAtomically(bytes, to: path, temporaryDirectory: temporaryDirectory) } catch { throw mapped(error) }
    }

    static func readFile(_ path: String) throws(LocalObjectStoreError) -> [UInt8]? {
        do { return try FileSystem.readRegularFile(path) } catch { throw mapped(error) }
    }

    static func regularFileSize(_ path: String) -> Int? { FileSystem.regularFileSize(path) }

    static func removeFile(_ path: String) throws(LocalObjectStoreError) -> Bool {
        do { return try FileSystem.removeFile(path) } catch { throw mapped(error) }
    }

    private static func mapped(_ failure: FileSystem.Failure) -> LocalObjectStoreError {
        // EISDIR: renaming onto a directory (key `a` while `a/b` exists).
        failure.errno == ENOTDIR || failure.errno == EISDIR ? .keyConflict : .io(operation: failure.operation, errno: failure.errno)
    }
}
