import ObjectStore
/// An object's bytes and content type, as `LocalObjectStore.get` returns them.
public struct StoredObject: Sendable, Equatable {
    public let bytes: [UInt8]
    public let contentType: String

    public init(bytes: [UInt8], contentType: String) {
        self.bytes = bytes
        self.contentType = contentType
    }
}

/// What `LocalObjectStore.head` returns: an object's size and content type, without its bytes.
public struct StoredObjectMetadata: Sendable, Equatable {
    public let size: Int
    public let contentType: String

    public init(size: Int, contentType: String) {
        self.size = size
        self.contentType = contentType
    }
}
