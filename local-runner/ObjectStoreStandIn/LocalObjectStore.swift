import ObjectStore
import Files
/// A filesystem-backed object store for local runs and tests, standing in for S3.
///
/// Layout under `rootDirectory`:
/// - `{bucket}/{key}`: the object's bytes;
/// - `.content-types/{bucket}/{key}`: its content type (a sidecar file);
/// - `.tmp/`: files being written, renamed into place when complete.
/// Bucket names never start with `.`, so the bookkeeping directories cannot collide with a bucket.
///
/// Writes are atomic per file (temporary file, fsync, rename, directory fsync). The sidecar is
/// written before the bytes, so a new object appears, complete with its type, at the moment its
/// bytes are renamed into place. Overwriting a key is not atomic across the two files (a reader
/// can briefly see the new type with the old bytes); keys here are random per upload and never
/// overwritten (`ObjectKey.brandingLogoKey`). Emptied directories are left behind.
///
/// Every method blocks on file system calls: call it from a blocking executor, not from a thread
/// of Swift concurrency's cooperative pool.
public struct LocalObjectStore: Sendable {
    static let fallbackContentType = "application/octet-stream"

    public let rootDirectory: String

    /// The directory is created on the first `put`.
    public init(rootDirectory: String) {
        var root = rootDirectory
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.rootDirectory = root
    }

    public func put(bucket: String, key: String, bytes: [UInt8], contentType: String) throws(LocalObjectStoreError) {
        let paths = try self.paths(bucket: bucket, key: key)
        guard !contentType.isEmpty, contentType.utf8.count <= 255,
              !contentType.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { throw .invalidContentType }
        let temporaryDirectory = "\(rootDirectory)/.tmp"
        try StoreFiles.makeDirectories(temporaryDirectory)
        try StoreFiles.makeDirectories(Self.parent(of: paths.bytes))
        try StoreFiles.makeDirectories(Self.parent(of: paths.contentType))
        // Refuse before writing the sidecar, so a conflicting put leaves nothing behind.
        guard FileSystem.kind(paths.bytes) != .directory else { throw .keyConflict }
        try StoreFiles.writeAtomically(Array(contentType.utf8), to: paths.contentType, temporaryDirectory: temporaryDirectory)
        try StoreFiles.writeAtomically(bytes, to: paths.bytes, temporaryDirectory: temporaryDirectory)
    }

    /// The object, or nil if there is none at `key`.
    public func get(bucket: String, key: String) throws(LocalObjectStoreError) -> StoredObject? {
        let paths = try self.paths(bucket: bucket, key: key)
        guard let bytes = try StoreFiles.readFile(paths.bytes) else { return nil }
        return StoredObject(bytes: bytes, contentType: try contentType(at: paths.contentType))
    }

    /// The object's size and type, or nil if there is none at `key`.
    public func head(bucket: String, key: String) throws(LocalObjectStoreError) -> StoredObjectMetadata? {
        let paths = try self.paths(bucket: bucket, key: key)
        guard let size = StoreFiles.regularFileSize(paths.bytes) else { return nil }
        return StoredObjectMetadata(size: size, contentType: try contentType(at: paths.contentType))
    }

    /// Removes the object; false if there was none. The bytes go first, so the object disappears
    /// in one step.
    @discardableResult
    public func delete(bucket: String, key: String) throws(LocalObjectStoreError) -> Bool {
        let paths = try self.paths(bucket: bucket, key: key)
        let existed = try StoreFiles.removeFile(paths.bytes)
        _ = try StoreFiles.removeFile(paths.contentType)
        return existed
    }

    /// The only place a bucket and key become paths: both are validated here, so no key can
    /// reach outside `rootDirectory` (`..`, absolute paths, NUL, empty segments are refused).
    private func paths(bucket: String, key: String) throws(LocalObjectStoreError) -> (bytes: String, contentType: String) {
        guard ObjectKey.isValidBucketName(bucket) else { throw .invalidBucket }
        guard ObjectKey.isValid(key) else { throw .invalidKey }
        return ("\(rootDirectory)/\(bucket)/\(key)", "\(rootDirectory)/.content-types/\(bucket)/\(key)")
    }

    private func contentType(at path: String) throws(LocalObjectStoreError) -> String {
        guard let bytes = try StoreFiles.readFile(path), let text = String(validating: bytes, as: UTF8.self), !text.isEmpty else {
            return Self.fallbackContentType
        }
        return text
    }

    private static func parent(of path: String) -> String {
        String(path[..<path.lastIndex(of: "/")!])
    }
}
