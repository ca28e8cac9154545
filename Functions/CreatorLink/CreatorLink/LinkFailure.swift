/// Why a link did not end linked: one page (status, words for the creator) and one audit reason
/// for the agency each. Nothing is stored for any of them.
enum LinkFailure: Error, Equatable {
    /// No such link (or a state we never issued): nobody to tell but the creator.
    case unknown
    case used
    case expired
    /// The creator pressed Cancel on Twitch (`error=access_denied`) or Twitch sent another error.
    case declined(error: String, description: String)
    /// The code exchange was refused (a replayed or forged code).
    case codeRejected
    /// The token belongs to another Twitch account than the creator's.
    case wrongAccount(login: String)
    /// The agency removed the creator while the creator was on Twitch.
    case creatorRemoved
    /// The creator has no Twitch channel (a YouTube- or Rumble-only creator): nothing to authorize.
    case noTwitchChannel
    /// Twitch could not be reached or answered 5xx.
    case twitchUnavailable

    var status: Int {
        switch self {
        case .unknown: 404
        case .used, .expired, .creatorRemoved: 410
        case .declined: 200
        case .codeRejected: 400
        case .noTwitchChannel: 409
        case .wrongAccount: 403
        case .twitchUnavailable: 502
        }
    }

    /// The audit reason (nil: no agency to tell).
    var reason: String? {
        switch self {
        case .unknown: nil
        case .used: "replayed"
        case .expired: "expired"
        case .declined: "declined"
        case .codeRejected: "code_rejected"
        case .wrongAccount: "wrong_account"
        case .creatorRemoved: "creator_removed"
        case .noTwitchChannel: "no_twitch_channel"
        case .twitchUnavailable: "twitch_unavailable"
        }
    }

    func page(expectedLogin: String?) -> String {
        switch self {
        case .unknown:
            LinkPages.failure("Link not valid", "This link is not valid. Check that you opened the whole link.", outcome: "unknown")
        case .used:
            LinkPages.failure("Link already used", "This link was already used. Each link works once.", outcome: "used")
        case .expired:
            LinkPages.failure("Link expired", "This link has expired (links work for 15 minutes).", outcome: "expired")
        case .declined:
            LinkPages.failure("Not connected", "You declined on Twitch, so nothing was shared.", outcome: "declined")
        case .codeRejected:
            LinkPages.failure("Not connected", "Twitch refused the authorization (it may have been used already).", outcome: "code_rejected")
        case .wrongAccount(let login):
            LinkPages.failure("Wrong Twitch account",
                              "You signed in to Twitch as \(login), but this link is for \(expectedLogin ?? "another account"). "
                                  + "Sign out of Twitch and open a new link.", outcome: "wrong_account")
        case .creatorRemoved:
            LinkPages.failure("Not connected", "The agency no longer tracks this channel.", outcome: "creator_removed")
        case .noTwitchChannel:
            LinkPages.failure("No Twitch channel", "The agency has no Twitch channel on file for you, so there is nothing to connect. "
                                  + "Ask them to add your Twitch channel and send a new link.", outcome: "no_twitch_channel")
        case .twitchUnavailable:
            LinkPages.failure("Twitch unavailable", "Twitch could not be reached. Please try again with a new link.", outcome: "twitch_unavailable")
        }
    }
}
