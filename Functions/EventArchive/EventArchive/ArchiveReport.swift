/// What one `EventArchiver.run` did.
public struct ArchiveReport: Sendable, Equatable, CustomStringConvertible {
    /// Companies examined (each under its own lock).
    public var companies = 0
    /// Companies another archiver held the lock for; that run does their work.
    public var companiesSkipped = 0
    /// New objects uploaded, verified and recorded in the manifest.
    public var objectsWritten = 0
    /// Days whose manifest row already existed (a previous run was interrupted after recording
    /// it): the object was verified and the rows it holds that were still present were deleted.
    public var objectsReused = 0
    /// Of `objectsReused`: the object was missing or changed, and was uploaded again from the
    /// rows, which produced exactly the bytes the manifest records.
    public var objectsRepaired = 0
    /// Rows written into new objects.
    public var rowsArchived = 0
    /// Rows deleted from `events` (only ever rows held by a verified object).
    public var rowsDeleted = 0
    /// Notification delivery log rows past the retention, deleted (they are not archived).
    public var deliveriesDeleted = 0
    /// Days that need an operator (e.g. an archived object changed after its rows were partly
    /// deleted). Nothing is deleted for them.
    public var problems: [String] = []

    public init() {}

    public var description: String {
        "companies=\(companies) skipped=\(companiesSkipped) objectsWritten=\(objectsWritten) objectsReused=\(objectsReused) "
            + "objectsRepaired=\(objectsRepaired) rowsArchived=\(rowsArchived) rowsDeleted=\(rowsDeleted) deliveriesDeleted=\(deliveriesDeleted) problems=\(problems.count)"
    }
}

/// A point in the archiver's work where a test can stop it, as a crash would (`EventArchiver.checkpoint`).
public struct ArchiveCheckpoint: Sendable, Equatable, CustomStringConvertible {
    public enum Step: String, Sendable, CaseIterable {
        /// The object's bytes are built; nothing written yet.
        case built
        /// The object is uploaded; not yet read back.
        case uploaded
        /// The object was read back and matches; no manifest row yet.
        case verified
        /// The manifest row is committed; no rows deleted yet.
        case manifestWritten
        /// A manifest row existed from an earlier run and its object was verified; deleting next.
        case resumed
        /// One batch of deletes is committed (`batch` counts from 1).
        case deletedBatch
        /// The day is done.
        case dayDone
    }

    public let step: Step
    public let companyID: String
    /// `YYYY-MM-DD` (UTC).
    public let day: String
    /// For `deletedBatch`: which batch, from 1; else 0.
    public let batch: Int

    public init(step: Step, companyID: String, day: String, batch: Int = 0) {
        self.step = step
        self.companyID = companyID
        self.day = day
        self.batch = batch
    }

    public var description: String { "\(step.rawValue)\(batch > 0 ? "#\(batch)" : "") \(companyID) \(day)" }
}

/// The archived object read back does not match what was uploaded or what the manifest records.
public struct ArchiveVerificationError: Error, Sendable, CustomStringConvertible {
    public let key: String
    public let description: String
}
