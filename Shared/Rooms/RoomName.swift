/// The Redis channels (and Socket.IO rooms) that live events are broadcast on.
public enum RoomName {
    /// Every event of one agency.
    public static func company(_ companyID: String) -> String { "room:company:\(companyID)" }
    /// Every event of one creator, within one agency (creator ids are per agency).
    public static func creator(_ creatorID: String) -> String { "room:creator:\(creatorID)" }

    /// The pattern that matches every room channel.
    public static let allRooms = "room:*"
}
