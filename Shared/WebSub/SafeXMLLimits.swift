extension SafeXML {
    /// Bounds on what a document may cost. The defaults fit YouTube's push notifications (a feed
    /// of one entry is about 1 KiB, five levels deep) with a wide margin.
    public struct Limits: Sendable, Equatable {
        /// Larger documents are refused before parsing.
        public var maximumBytes: Int
        /// Elements nested deeper than this are refused (the root is depth 1).
        public var maximumDepth: Int
        /// Attributes on one element (duplicate detection is quadratic in this).
        public var maximumAttributes: Int

        public init(maximumBytes: Int = 256 * 1024, maximumDepth: Int = 32, maximumAttributes: Int = 64) {
            self.maximumBytes = maximumBytes
            self.maximumDepth = maximumDepth
            self.maximumAttributes = maximumAttributes
        }
    }
}
