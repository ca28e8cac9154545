/// The REST API contract (OpenAPI 3.1), served at `GET /api/openapi.json`. Tests check that every
/// route the functions serve is described here and that everything described here is served.
public enum OpenAPIDocument {
    /// Every authenticated operation can also answer these: no or a bad token (401), a role below
    /// the route's or a company that does not exist (403), the company's rate limit (429), the
    /// database unavailable (503).
    static let commonErrors = ##""401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/RateLimited"}, "503": {"$ref": "#/components/responses/Error"}"##

    /// Every operation with a request body: not a JSON object (400), larger than 256 KiB (413),
    /// a field missing, malformed or unknown (422).
    static let bodyErrors = ##""400": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}"##

    public static let json = #"""
    {
      "openapi": "3.1.0",
      "info": {
        "title": "Creator Control Room API", "version": "1.0.0",
        "description": "Tenant-scoped REST API. The company and role come only from the RS256 bearer token."
      },
      "servers": [{"url": "/"}], "security": [{"bearer": []}],
      "paths": {
        "/api/me": {
          "get": {
            "summary": "The caller, their company, role and branding", "operationId": "getMe",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}}},
              \#(commonErrors)
            }
          }
        },
        "/api/branding": {
          "get": {
            "summary": "The company's branding", "operationId": "getBranding",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Branding"}}}},
              \#(commonErrors)
            }
          },
          "put": {
            "summary": "Replace the company's branding (admin)", "operationId": "putBranding",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BrandingInput"}}}},
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Branding"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/branding/logo-upload-url": {
          "post": {
            "summary": "A pre-signed PUT URL for a logo (admin)", "operationId": "createLogoUploadURL",
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateLogoUploadURLInput"}}}
            },
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/LogoUpload"}}}},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/members": {
          "get": {
            "summary": "List members", "operationId": "listMembers",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MemberList"}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Add a member by email (admin; roles below your own)", "operationId": "addMember",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AddMemberInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Member"}}}},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/members/{userId}": {
          "parameters": [{"name": "userId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "patch": {
            "summary": "Change a member's role (admin; roles below your own)", "operationId": "changeMemberRole",
            "requestBody": {
              "required": true,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangeMemberRoleInput"}}}
            },
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Member"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          },
          "delete": {
            "summary": "Remove a member (admin; the last owner cannot be removed)", "operationId": "removeMember",
            "responses": {
              "204": {"description": "Removed"},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/members/{userId}/sessions": {
          "parameters": [{"name": "userId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "delete": {
            "summary": "End a member's signed-in sessions for this company (admin; roles below your own)", "operationId": "endMemberSessions",
            "responses": {
              "200": {"description": "Ended", "content": {"application/json": {"schema": {"type": "object", "required": ["revoked"], "properties": {"revoked": {"type": "integer", "minimum": 0}}}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/keys": {
          "get": {
            "summary": "List the company's service API keys, newest first, revoked ones too (admin; never the secret)", "operationId": "listAPIKeys",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/APIKeyList"}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Create a service API key (admin). The key is in this response only; it is stored hashed.", "operationId": "createAPIKey",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateAPIKeyInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedAPIKey"}}}},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/keys/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "delete": {
            "summary": "Revoke a service API key (admin); it stops working within seconds", "operationId": "revokeAPIKey",
            "responses": {
              "204": {"description": "Revoked"},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/platforms": {
          "get": {
            "summary": "What the deployment's platform budgets leave today (YouTube Data API quota, shared by every agency)", "operationId": "getPlatforms",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Platforms"}}}},
              "503": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/creators": {
          "get": {
            "summary": "List creators with live status, live first", "operationId": "listCreators",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatorList"}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Track a creator by Twitch login, or by one channel on any platform (operator)", "operationId": "addCreator",
            "description": "With a channel, the same rules and error codes as POST /api/creators/{id}/channels apply; the creator has a Twitch identity only when the channel is a Twitch one. Twitch unreachable: 502 for a login, 503 twitch_unavailable for a channel.",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AddCreatorInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Creator"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              "502": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/creators/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "get": {
            "summary": "One creator", "operationId": "getCreator",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Creator"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          },
          "patch": {
            "summary": "Update topics or notes (operator)", "operationId": "updateCreator",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpdateCreatorInput"}}}},
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Creator"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          },
          "delete": {
            "summary": "Stop tracking a creator (operator); a linked creator's token is revoked at Twitch", "operationId": "removeCreator",
            "responses": {
              "204": {"description": "Removed"},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/creators/{id}/channels": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "Add a YouTube, Rumble or Twitch channel to a creator (operator)", "operationId": "addCreatorChannel",
            "description": "YouTube: @handle, a youtube.com/@handle or /channel/UC… URL, or a UC… id, resolved with channels.list (1 quota unit). Rumble: rumble.com/c/name or /user/name with apiUrl, the channel owner's Live Stream API URL: fetched once, it must belong to that channel; stored sealed, never returned (apiUrlHint shows its last characters). Twitch: a twitch.tv URL; it becomes the creator's Twitch identity (a creator has at most one). 404: not_found (no such creator), channel_not_found (the platform has no such channel or login), api_key_rejected (Rumble refuses the URL's key: reset or revoked), each naming the field in fields. 409: channel_already_tracked (in this company), twitch_channel_exists. 422 (the field named in fields): invalid_channel, api_url_required, api_url_not_applicable, invalid_api_url, channel_mismatch (the key is another channel's), validation_failed. 503: youtube_quota_exhausted, youtube_unavailable, rumble_unavailable, twitch_unavailable, youtube_not_configured, rumble_not_configured.",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AddCreatorChannelInput"}}}},
            "responses": {
              "201": {"description": "Added", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatorChannel"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/creators/{id}/channels/{channelRowId}": {
          "parameters": [
            {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
            {"name": "channelRowId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}, "description": "the channel's id in channels[]"}
          ],
          "delete": {
            "summary": "Remove a YouTube or Rumble channel from a creator (operator); the Twitch channel goes only with the creator (409 twitch_channel_is_identity)",
            "operationId": "removeCreatorChannel",
            "responses": {
              "204": {"description": "Removed"},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/creators/{id}/link": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "A link for the creator to authorize the enabled event types on Twitch: single use, 15 minutes (admin); 409 no_twitch_channel for a creator without one",
            "operationId": "requestCreatorLink",
            "responses": {
              "201": {"description": "The link (shown once)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatorLinkRequest"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              "503": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          },
          "delete": {
            "summary": "Unlink the creator's Twitch account: the token is revoked at Twitch, the authorization-only subscriptions end (admin)",
            "operationId": "unlinkCreator",
            "responses": {
              "200": {"description": "Unlinked", "content": {"application/json": {"schema": {"type": "object", "properties": {
                "status": {"const": "unlinked"}, "revokedAtTwitch": {"type": "boolean"}}}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "503": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations": {
          "get": {
            "summary": "Notification destinations with their rules, templates and opt-outs; never a URL or secret (admin)",
            "operationId": "listNotificationDestinations",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestinationList"}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Create a destination; the URL is sealed and never shown again, a webhook's signing secret is in this answer only (admin)",
            "operationId": "createNotificationDestination",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateNotificationDestinationInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedNotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "get": {
            "summary": "One destination (admin)", "operationId": "getNotificationDestination",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          },
          "patch": {
            "summary": "Change the name, URL, bot, rules or templates; enabled true re-enables, false disables (admin). A URL or bot that does not fit the destination's kind is a 409.",
            "operationId": "updateNotificationDestination",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UpdateNotificationDestinationInput"}}}},
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          },
          "delete": {
            "summary": "Delete a destination, its opt-outs and its delivery log (admin)", "operationId": "deleteNotificationDestination",
            "responses": {
              "204": {"description": "Deleted"},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}/secret": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "Rotate a webhook destination's signing secret: the new one is in this answer only and signs from now on (admin)",
            "operationId": "rotateNotificationSecret",
            "responses": {
              "200": {"description": "Rotated", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatedNotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}/opt-outs/{creatorId}": {
          "parameters": [
            {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}},
            {"name": "creatorId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}
          ],
          "put": {
            "summary": "Stop announcing a creator on this destination (idempotent; admin)", "operationId": "optOutOfNotifications",
            "responses": {
              "200": {"description": "The destination with its opt-outs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          },
          "delete": {
            "summary": "Announce the creator on this destination again (idempotent; admin)", "operationId": "optInToNotifications",
            "responses": {
              "200": {"description": "The destination with its opt-outs", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestination"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}/preview": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "The exact body this destination would be sent for its newest stored event of the type, or for a labelled sample (admin)",
            "operationId": "previewNotificationDestination",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDestinationPreviewInput"}}}},
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationPreview"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}/test": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "Queue a test message; its outcome shows in the delivery log (admin)", "operationId": "testNotificationDestination",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationTestInput"}}}},
            "responses": {
              "202": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationTestSend"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/destinations/{id}/deliveries": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "get": {
            "summary": "The destination's delivery log, newest first (admin)", "operationId": "listNotificationDeliveries",
            "parameters": [
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}},
              {"name": "before", "in": "query", "description": "a delivery id: the page older than it (next.before)", "schema": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}}
            ],
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationDeliveryPage"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              "422": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/notifications/preview": {
          "post": {
            "summary": "The exact body a destination of this kind would be sent with this template, before saving (admin)",
            "operationId": "previewNotification",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationPreviewInput"}}}},
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotificationPreview"}}}},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/events": {
          "get": {
            "summary": "Events, newest first; with after=<id>, oldest first (catch-up)", "operationId": "listEvents",
            "parameters": [
              {"name": "creator", "in": "query", "schema": {"type": "string", "format": "uuid"}},
              {
                "name": "type", "in": "query", "description": "comma-separated or repeated subscription types",
                "schema": {"type": "string", "pattern": "^[^\\u0000]*$"}
              },
              {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
              {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
              {
                "name": "cursor", "in": "query", "style": "form", "explode": true,
                "description": "keyset paging: `before=<id>` (older, newest first) or `after=<id>` (newer, oldest first), never both",
                "schema": {
                  "type": "object", "additionalProperties": false, "maxProperties": 1,
                  "properties": {
                    "before": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807},
                    "after": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}
                  }
                }
              },
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}}
            ],
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventPage"}}}},
              "422": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/events/{id}": {
          "get": {
            "summary": "One event", "operationId": "getEvent",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
              "404": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/audit-logs": {
          "get": {
            "summary": "Audit log, newest first", "operationId": "listAuditLogs",
            "parameters": [
              {"name": "action", "in": "query", "schema": {"type": "string", "pattern": "^[^\\u0000]*$"}},
              {"name": "target_type", "in": "query", "schema": {"type": "string", "pattern": "^[^\\u0000]*$"}},
              {"name": "target_id", "in": "query", "schema": {"type": "string", "pattern": "^[^\\u0000]*$"}},
              {"name": "actor", "in": "query", "schema": {"type": "string", "pattern": "^[^\\u0000]*$"}},
              {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9223372036854775807}},
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}}
            ],
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditLogPage"}}}},
              "422": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/archives": {
          "get": {
            "summary": "Archived event days (gzip NDJSON, one object per UTC day), newest first, with short-lived download URLs",
            "operationId": "listArchives",
            "parameters": [
              {
                "name": "before", "in": "query", "description": "only days before this one (paging)",
                "schema": {"type": "string", "format": "date"}
              },
              {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 366, "default": 100}}
            ],
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArchivePage"}}}},
              "422": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/api/invitations": {
          "get": {
            "summary": "List invitations (admin)", "operationId": "listInvitations",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "required": ["data"], "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Invitation"}}}}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Invite an email with a role (admin; roles below your own). The link is shown once.", "operationId": "createInvitation",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AddMemberInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Invitation"}, {"type": "object", "required": ["acceptPath"], "properties": {"acceptPath": {"type": "string"}}}]}}}},
              "409": {"$ref": "#/components/responses/Error"},
              \#(bodyErrors),
              \#(commonErrors)
            }
          }
        },
        "/api/invitations/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "delete": {
            "summary": "Revoke a pending invitation (admin)", "operationId": "revokeInvitation",
            "responses": {
              "204": {"description": "Revoked"},
              "404": {"$ref": "#/components/responses/Error"},
              "409": {"$ref": "#/components/responses/Error"},
              \#(commonErrors)
            }
          }
        },
        "/.well-known/jwks.json": {
          "get": {
            "summary": "The public keys of the access tokens the auth function issues (RS256)", "operationId": "getAccessTokenKeys", "security": [],
            "tags": ["auth"],
            "responses": {"200": {"description": "A JWK set", "content": {"application/jwk-set+json": {"schema": {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "object"}}}}}}}}
          }
        },
        "/auth/login": {
          "get": {
            "summary": "The sign-in page: one button per identity provider", "operationId": "signInPage", "security": [], "tags": ["auth"],
            "parameters": [{"name": "returnTo", "in": "query", "schema": {"type": "string"}, "description": "A path on this site"},
                           {"name": "invitation", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}, "400": {"description": "returnTo is not a path on this site", "content": {"text/html": {}}}}
          }
        },
        "/auth/login/{provider}": {
          "parameters": [{"name": "provider", "in": "path", "required": true, "schema": {"type": "string"}}],
          "get": {
            "summary": "Start a sign-in: redirect to the provider (authorization code flow with PKCE S256, state bound to a cookie, nonce)",
            "operationId": "startSignIn", "security": [], "tags": ["auth"],
            "parameters": [{"name": "returnTo", "in": "query", "schema": {"type": "string"}}, {"name": "invitation", "in": "query", "schema": {"type": "string"}},
                           {"name": "loginHint", "in": "query", "schema": {"type": "string"}}],
            "responses": {"302": {"description": "To the provider"}, "400": {"description": "Bad returnTo", "content": {"text/html": {}}},
                          "404": {"description": "No such provider", "content": {"text/html": {}}}, "502": {"description": "Provider unreachable", "content": {"text/html": {}}}}
          }
        },
        "/auth/callback": {
          "get": {
            "summary": "The provider's redirect back: verify, sign in, start the session (cookies)", "operationId": "finishSignIn", "security": [], "tags": ["auth"],
            "parameters": [{"name": "code", "in": "query", "schema": {"type": "string"}}, {"name": "state", "in": "query", "schema": {"type": "string"}},
                           {"name": "iss", "in": "query", "schema": {"type": "string"}}, {"name": "error", "in": "query", "schema": {"type": "string"}}],
            "responses": {"303": {"description": "Signed in: to returnTo, or to /auth/switch to choose a company"},
                          "400": {"description": "Bad, replayed or foreign state; refused code", "content": {"text/html": {}}},
                          "403": {"description": "ID token refused, email not verified, not a member, SSO required, invitation refused", "content": {"text/html": {}}},
                          "409": {"description": "The email belongs to another account of this provider", "content": {"text/html": {}}},
                          "503": {"description": "Try again", "content": {"text/html": {}}}}
          }
        },
        "/auth/switch": {
          "get": {
            "summary": "Choose a company (after sign-in, or to switch)", "operationId": "companyChoice", "security": [], "tags": ["auth"],
            "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}, "303": {"description": "Not signed in: to /auth/login"}}
          },
          "post": {
            "summary": "Act for another company (form or JSON {company}; X-CSRF-Token or csrf field)", "operationId": "switchCompany", "tags": ["auth"],
            "responses": {"200": {"description": "Switched (JSON)"}, "303": {"description": "Switched (form)"}, "401": {"$ref": "#/components/responses/Unauthorized"},
                          "403": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/refresh": {
          "post": {
            "summary": "A new access token for the refresh token (cookie with X-CSRF-Token, or JSON {refreshToken}); the refresh token rotates, reuse ends the session",
            "operationId": "refreshSession", "security": [], "tags": ["auth"],
            "responses": {"200": {"description": "Refreshed", "content": {"application/json": {"schema": {"type": "object", "required": ["tokenType", "expiresIn"], "properties": {"accessToken": {"type": "string"}, "refreshToken": {"type": "string"}, "tokenType": {"type": "string"}, "expiresIn": {"type": "integer"}}}}}},
                          "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/logout": {
          "post": {
            "summary": "Sign out: end this session and clear the cookies", "operationId": "signOut", "security": [], "tags": ["auth"],
            "responses": {"200": {"description": "Signed out (JSON {revoked})"}, "303": {"description": "Signed out (form)"}, "403": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/logout-all": {
          "post": {
            "summary": "Sign out everywhere: end every session of the user", "operationId": "signOutEverywhere", "tags": ["auth"],
            "responses": {"200": {"description": "Signed out (JSON {revoked})"}, "303": {"description": "Signed out (form)"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/session": {
          "get": {
            "summary": "Who is signed in: user, company, current role, session, the user's companies", "operationId": "getSession", "tags": ["auth"],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/sessions": {
          "get": {
            "summary": "The user's live sessions", "operationId": "listSessions", "tags": ["auth"],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/auth/sessions/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "delete": {
            "summary": "End one of the user's sessions", "operationId": "endSession", "tags": ["auth"],
            "responses": {"204": {"description": "Ended"}, "401": {"$ref": "#/components/responses/Unauthorized"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}
          }
        },
        "/api/openapi.json": {
          "get": {
            "summary": "This document", "operationId": "getOpenAPI", "security": [],
            "responses": {"200": {"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}}
          }
        }
      },
      "components": {
        "securitySchemes": {
          "bearer": {
            "type": "http", "scheme": "bearer", "bearerFormat": "JWT (RS256) or a service API key (ccr_...)",
            "description": "An access token acts with the member's current role. A service API key (POST /api/keys) acts for its company on the routes its scopes open (see APIKeyScope) and on no other (403 insufficient_scope); it has its own rate limit."
          }
        },
        "responses": {
          "Error": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "RateLimited": {
            "description": "Too many requests for this company; retry after the given seconds",
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          },
          "Unauthorized": {
            "description": "Missing or invalid bearer token", "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
          }
        },
        "schemas": {
          "Role": {"enum": ["owner", "admin", "operator", "viewer"]},
          "Error": {
            "type": "object", "required": ["error"],
            "properties": {
              "error": {
                "type": "object", "required": ["code", "message"],
                "properties": {
                  "code": {"type": "string"}, "message": {"type": "string"}, "requestId": {"type": "string"},
                  "fields": {"type": "object", "additionalProperties": {"type": "string"}}
                }
              }
            }
          },
          "Branding": {
            "type": "object",
            "properties": {
              "displayName": {"type": "string"}, "primaryColor": {"type": "string"}, "accentColor": {"type": "string"},
              "logoKey": {"type": "string"}, "logoUrl": {"type": ["string", "null"]}
            }
          },
          "BrandingInput": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "displayName": {"type": ["string", "null"], "maxLength": 100, "pattern": "^[^\\u0000]*$"},
              "primaryColor": {"type": ["string", "null"], "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"},
              "accentColor": {"type": ["string", "null"], "pattern": "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"},
              "logoKey": {
                "type": ["string", "null"], "maxLength": 300, "pattern": "^companies/[^/\\u0000]+/branding/[^/\\u0000]+$",
                "description": "a key returned by logo-upload-url for this company (else 404)"
              }
            }
          },
          "LogoUpload": {
            "type": "object",
            "properties": {
              "key": {"type": "string"}, "url": {"type": "string"}, "method": {"const": "PUT"}, "headers": {"type": "object"},
              "maxBytes": {"type": "integer"}, "expiresIn": {"type": "integer"}
            }
          },
          "Me": {
            "type": "object",
            "properties": {
              "user": {"type": "object"}, "company": {"type": "object"}, "role": {"$ref": "#/components/schemas/Role"},
              "branding": {"$ref": "#/components/schemas/Branding"}
            }
          },
          "Member": {
            "type": "object",
            "properties": {
              "userId": {"type": "string"}, "email": {"type": "string"}, "displayName": {"type": ["string", "null"]},
              "role": {"$ref": "#/components/schemas/Role"}, "createdAt": {"type": "string"}
            }
          },
          "Invitation": {
            "type": "object", "required": ["id", "email", "role", "status", "createdAt", "expiresAt"],
            "properties": {
              "id": {"type": "string"}, "email": {"type": "string"}, "role": {"$ref": "#/components/schemas/Role"},
              "invitedBy": {"type": ["string", "null"]}, "createdAt": {"type": "string"}, "expiresAt": {"type": "string"},
              "acceptedAt": {"type": ["string", "null"]}, "revokedAt": {"type": ["string", "null"]},
              "status": {"type": "string", "enum": ["pending", "accepted", "expired", "revoked"]}
            }
          },
          "Creator": {
            "type": "object",
            "properties": {
              "id": {"type": "string"},
              "twitchUserId": {"type": ["string", "null"], "description": "null for a creator without a Twitch channel"},
              "login": {"type": ["string", "null"]},
              "displayName": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}},
              "notes": {"type": "string"}, "createdAt": {"type": "string"},
              "status": {"type": "object", "description": "The Twitch channel's live status"},
              "twitch": {"$ref": "#/components/schemas/CreatorTwitchLink"},
              "channels": {"type": "array", "items": {"$ref": "#/components/schemas/CreatorChannel"}, "description": "Twitch first, then YouTube, then Rumble"}
            }
          },
          "CreatorChannel": {
            "type": "object",
            "required": ["id", "platform", "channelId", "handle", "displayName", "url", "live", "title", "viewerCount", "startedAt", "liveStreamId"],
            "properties": {
              "id": {"type": "string", "format": "uuid"}, "platform": {"enum": ["twitch", "youtube", "rumble"]},
              "channelId": {"type": "string", "description": "Twitch user id, YouTube UC… id, Rumble channel or user name"},
              "handle": {"type": ["string", "null"]}, "displayName": {"type": "string"}, "url": {"type": "string"},
              "live": {"type": "boolean"}, "title": {"type": ["string", "null"]}, "viewerCount": {"type": "integer", "minimum": 0},
              "startedAt": {"type": ["string", "null"]}, "liveStreamId": {"type": ["string", "null"], "description": "YouTube video id, Rumble stream id; null for Twitch"},
              "checkFailures": {"type": "integer", "minimum": 0, "description": "Rumble: polls failed in a row (a refused key keeps counting)"},
              "apiUrlHint": {"type": ["string", "null"], "description": "Rumble: the sealed Live Stream API URL's last characters"}
            }
          },
          "CreatorTwitchLink": {
            "type": "object", "required": ["status", "eventTypes", "scopes", "missingScopes", "authorizedTypes", "needsRelink"],
            "properties": {
              "status": {"enum": ["unlinked", "linked", "needs_relink", "revoked"]},
              "eventTypes": {"type": "array", "items": {"$ref": "#/components/schemas/AuthorizationEventType"}},
              "scopes": {"type": "array", "items": {"type": "string"}, "description": "Granted by the creator"},
              "missingScopes": {"type": "array", "items": {"type": "string"}, "description": "Needed by the enabled types beyond the granted ones: relink"},
              "authorizedTypes": {"type": "array", "items": {"type": "string"}, "description": "Enabled and granted: subscribed and delivered"},
              "linkedAt": {"type": ["string", "null"]}, "problem": {"type": ["string", "null"]}, "needsRelink": {"type": "boolean"}
            }
          },
          "AuthorizationEventType": {
            "enum": ["channel.follow", "channel.subscribe", "channel.subscription.gift", "channel.subscription.message", "channel.cheer",
                     "channel.hype_train.begin", "channel.hype_train.end", "channel.chat.message"]
          },
          "CreatorLinkRequest": {
            "type": "object", "required": ["url", "expiresAt", "scopes", "eventTypes"],
            "properties": {
              "url": {"type": "string", "description": "Send this to the creator; it works once"},
              "expiresAt": {"type": "string"}, "scopes": {"type": "array", "items": {"type": "string"}},
              "eventTypes": {"type": "array", "items": {"type": "string"}}
            }
          },
          "Platforms": {
            "type": "object", "required": ["youtube"],
            "properties": {
              "youtube": {
                "type": "object", "required": ["configured", "quota"],
                "properties": {
                  "configured": {"type": "boolean"},
                  "quota": {
                    "type": ["object", "null"], "required": ["day", "used", "limit", "remaining", "level", "resetsAt"],
                    "properties": {
                      "day": {"type": "string", "description": "the Pacific date the count belongs to"}, "used": {"type": "integer"},
                      "limit": {"type": "integer"}, "remaining": {"type": "integer"},
                      "level": {"enum": ["normal", "relaxed", "sparse", "goLiveOnly", "exhausted"]}, "resetsAt": {"type": "string"}
                    }
                  }
                }
              }
            }
          },
          "Event": {
            "type": "object", "required": ["id", "companyId", "type", "version", "source", "occurredAt", "receivedAt", "data"],
            "properties": {
              "id": {"type": "integer"}, "companyId": {"type": "string"}, "creatorId": {"type": ["string", "null"]},
              "type": {"type": "string"}, "version": {"type": "string"}, "source": {"enum": ["webhook", "poll"]},
              "occurredAt": {"type": "string"}, "receivedAt": {"type": "string"},
              "platform": {"enum": ["twitch", "youtube", "rumble"]},
              "broadcasterUserId": {"type": ["string", "null"], "description": "The platform's channel id"}, "data": {"type": "object"}
            }
          },
          "Archive": {
            "type": "object", "required": ["day", "key", "firstEventId", "lastEventId", "rowCount", "byteSize", "sha256", "url"],
            "properties": {
              "day": {"type": "string", "format": "date"}, "key": {"type": "string"}, "firstEventId": {"type": "integer"},
              "lastEventId": {"type": "integer"}, "rowCount": {"type": "integer"}, "byteSize": {"type": "integer"},
              "sha256": {"type": "string", "description": "hex SHA-256 of the object's bytes"}, "createdAt": {"type": "string"},
              "contentType": {"const": "application/gzip"},
              "url": {"type": ["string", "null"], "description": "pre-signed GET, valid at most 15 minutes"},
              "urlExpiresAt": {"type": ["string", "null"]}
            }
          },
          "AuditLog": {
            "type": "object",
            "properties": {
              "id": {"type": "integer"}, "actorUserId": {"type": "string"}, "actorRole": {"type": "string"},
              "action": {"type": "string"}, "targetType": {"type": "string"}, "targetId": {"type": ["string", "null"]},
              "before": {}, "after": {}, "requestId": {"type": "string"}, "ip": {"type": ["string", "null"]},
              "userAgent": {"type": ["string", "null"]}, "createdAt": {"type": "string"}
            }
          },
          "Topics": {
            "type": "array", "maxItems": 20,
            "items": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[^\\u0000]*$"}
          },
          "Notes": {"type": ["string", "null"], "maxLength": 2000, "pattern": "^[^\\u0000]*$"},
          "CreateLogoUploadURLInput": {
            "type": "object", "required": ["contentType"],
            "properties": {"contentType": {"enum": ["image/png", "image/jpeg", "image/svg+xml", "image/webp"], "type": "string"}},
            "additionalProperties": false
          },
          "AddMemberInput": {
            "type": "object", "required": ["email", "role"],
            "properties": {
              "email": {"type": "string", "maxLength": 254, "pattern": "^[^@ \\u0000]+@[^@ \\u0000]+\\.[^@ \\u0000]+$"},
              "role": {"$ref": "#/components/schemas/Role"}
            },
            "additionalProperties": false
          },
          "ChangeMemberRoleInput": {
            "type": "object", "required": ["role"], "properties": {"role": {"$ref": "#/components/schemas/Role"}},
            "additionalProperties": false
          },
          "AddCreatorInput": {
            "oneOf": [
              {
                "type": "object", "required": ["login"], "description": "A Twitch creator by login",
                "properties": {
                  "login": {"type": "string", "pattern": "^[A-Za-z0-9_]+$", "minLength": 1, "maxLength": 25},
                  "topics": {"$ref": "#/components/schemas/Topics"}, "notes": {"$ref": "#/components/schemas/Notes"}
                },
                "additionalProperties": false
              },
              {
                "type": "object", "required": ["displayName", "channel"], "description": "A creator by a YouTube or Twitch channel",
                "properties": {
                  "displayName": {"$ref": "#/components/schemas/CreatorDisplayName"}, "channel": {"$ref": "#/components/schemas/YouTubeOrTwitchChannel"},
                  "apiUrl": {"type": "null"}, "topics": {"$ref": "#/components/schemas/Topics"}, "notes": {"$ref": "#/components/schemas/Notes"}
                },
                "additionalProperties": false
              },
              {
                "type": "object", "required": ["displayName", "channel", "apiUrl"], "description": "A creator by a Rumble channel and its owner's Live Stream API URL",
                "properties": {
                  "displayName": {"$ref": "#/components/schemas/CreatorDisplayName"}, "channel": {"$ref": "#/components/schemas/RumbleChannel"},
                  "apiUrl": {"$ref": "#/components/schemas/RumbleAPIURL"}, "topics": {"$ref": "#/components/schemas/Topics"},
                  "notes": {"$ref": "#/components/schemas/Notes"}
                },
                "additionalProperties": false
              }
            ]
          },
          "AddCreatorChannelInput": {
            "oneOf": [
              {
                "type": "object", "required": ["channel"], "additionalProperties": false,
                "properties": {"channel": {"$ref": "#/components/schemas/YouTubeOrTwitchChannel"}, "apiUrl": {"type": "null"}}
              },
              {
                "type": "object", "required": ["channel", "apiUrl"], "additionalProperties": false,
                "properties": {"channel": {"$ref": "#/components/schemas/RumbleChannel"}, "apiUrl": {"$ref": "#/components/schemas/RumbleAPIURL"}}
              }
            ]
          },
          "CreatorDisplayName": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"},
          "YouTubeOrTwitchChannel": {
            "type": "string", "maxLength": 512, "pattern": "^(@[A-Za-z0-9_.-]{3,30}|UC[A-Za-z0-9_-]{22}|(https?://)?(www\\.|m\\.)?youtube\\.com/(@[A-Za-z0-9_.-]{3,30}|channel/UC[A-Za-z0-9_-]{22})(/[A-Za-z0-9_-]*)?([?#][!-~]*)?|(https?://)?(www\\.|m\\.)?twitch\\.tv/(?!([dD][iI][rR][eE][cC][tT][oO][rR][yY]|[vV][iI][dD][eE][oO][sS]|[sS][eE][tT][tT][iI][nN][gG][sS]|[sS][eE][aA][rR][cC][hH]|[dD][oO][wW][nN][lL][oO][aA][dD][sS]|[jJ][oO][bB][sS]|[pP]|[sS][tT][oO][rR][eE]|[tT][uU][rR][bB][oO]|[pP][rR][iI][mM][eE]|[sS][uU][bB][sS][cC][rR][iI][pP][tT][iI][oO][nN][sS]|[iI][nN][vV][eE][nN][tT][oO][rR][yY]|[wW][aA][lL][lL][eE][tT]|[dD][rR][oO][pP][sS]|[fF][rR][iI][eE][nN][dD][sS]|[mM][eE][sS][sS][aA][gG][eE][sS]|[lL][oO][gG][iI][nN]|[sS][iI][gG][nN][uU][pP]|[lL][oO][gG][oO][uU][tT]|[mM][oO][dD][eE][rR][aA][tT][oO][rR]|[pP][oO][pP][oO][uU][tT]|[eE][mM][bB][eE][dD]|[tT][eE][aA][mM])(/|[?#]|$))[A-Za-z0-9_]{1,25}/?([?#][!-~]*)?)$",
            "description": "@handle, UC…, https://www.youtube.com/@handle (any tab after it), https://www.youtube.com/channel/UC…, https://www.twitch.tv/login; the scheme may be left out, a query is ignored"
          },
          "RumbleChannel": {
            "type": "string", "maxLength": 512, "pattern": "^(https?://)?(www\\.)?rumble\\.com/(c|user)/[A-Za-z0-9_.-]{1,100}(/[A-Za-z0-9_-]*)?([?#][!-~]*)?$",
            "description": "https://rumble.com/c/name (a channel key) or https://rumble.com/user/name (a user key)"
          },
          "RumbleAPIURL": {
            "type": "string", "maxLength": 2048, "pattern": "^(https://(www\\.)?rumble\\.com/-livestream-api/get-data\\?key=)?[A-Za-z0-9._~-]{8,512}$",
            "description": "the owner's Live Stream API URL from rumble.com/account/livestream-api (or its bare key); sealed at rest, never returned"
          },
          "UpdateCreatorInput": {
            "type": "object",
            "properties": {"topics": {"$ref": "#/components/schemas/Topics"}, "notes": {"$ref": "#/components/schemas/Notes"},
                           "eventTypes": {"type": "array", "maxItems": 8, "items": {"$ref": "#/components/schemas/AuthorizationEventType"},
                                          "description": "The types that need the creator's authorization the agency wants"}},
            "additionalProperties": false
          },
          "NotificationKind": {"enum": ["discord", "slack", "webhook"]},
          "NotificationEventType": {
            "enum": ["stream.online", "stream.offline", "channel.raid", "channel.subscribe", "channel.subscription.gift", "channel.cheer"]
          },
          "NotificationTemplate": {
            "type": "object",
            "description": "Placeholders: {creator.displayName}, {creator.login}, {stream.title}, {stream.category}, {stream.url}, {stream.platform}, {event.type}, {event.viewers}, {event.message}, {raid.from}, {raid.viewers}, {sub.tier}, {gift.count}, {cheer.bits}; {{ and }} are literal braces. A title or a content text is required. Saving a template with an unknown placeholder, or with a text that could outgrow the destination's limits with the longest values (Discord: content 2000, embed title 256, description 4096, 6000 in all; Slack: 3000 per section), is a 422 naming the field. Values from Twitch are escaped for the destination; only mentions written in content ping (Discord allowed_mentions).",
            "properties": {
              "content": {"type": ["string", "null"], "pattern": "^[^\\u0000]*$"},
              "title": {"type": ["string", "null"], "pattern": "^[^\\u0000]*$"},
              "description": {"type": ["string", "null"], "pattern": "^[^\\u0000]*$"},
              "color": {"type": ["integer", "null"], "minimum": 0, "maximum": 16777215},
              "showsFields": {"type": ["boolean", "null"]}
            },
            "anyOf": [
              {"required": ["title"], "properties": {"title": {"type": "string", "minLength": 1}}},
              {"required": ["content"], "properties": {"content": {"type": "string", "minLength": 1}}}
            ],
            "additionalProperties": false
          },
          "NotificationTemplates": {
            "type": "object", "description": "Per event type; a type left out (or null) uses the standard template",
            "propertyNames": {"$ref": "#/components/schemas/NotificationEventType"},
            "additionalProperties": {"oneOf": [{"$ref": "#/components/schemas/NotificationTemplate"}, {"type": "null"}]}
          },
          "NotificationCreators": {
            "description": "Which creators the destination announces: all, those with one of the topics, or a list of this company's creators (an id the company does not track is a 404 naming the field)",
            "oneOf": [
              {"type": "object", "required": ["scope"], "properties": {"scope": {"const": "all"}}, "additionalProperties": false},
              {
                "type": "object", "required": ["scope", "topics"], "additionalProperties": false,
                "properties": {"scope": {"const": "topics"}, "topics": {"allOf": [{"$ref": "#/components/schemas/Topics"}, {"minItems": 1}]}}
              },
              {
                "type": "object", "required": ["scope", "ids"], "additionalProperties": false,
                "properties": {"scope": {"const": "creators"},
                               "ids": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"type": "string", "format": "uuid"}}}
              }
            ]
          },
          "NotificationBot": {
            "type": "object", "required": ["token", "channelId"], "additionalProperties": false,
            "description": "Discord only: a bot token (sealed, never shown) and the channel it posts to",
            "properties": {
              "token": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[!-~]+$"},
              "channelId": {"type": "string", "pattern": "^[0-9]{1,20}$"}
            }
          },
          "NotificationDiscordURL": {
            "type": "string",
            "description": "A Discord webhook URL as Discord shows it (stored at API version 10); the deployment may allow further hosts (NOTIFY_DISCORD_HOSTS)",
            "pattern": "^https://(discord\\.com|discordapp\\.com|ptb\\.discord\\.com|canary\\.discord\\.com)/api/(v[0-9]{1,2}/)?webhooks/[0-9]{1,20}/[A-Za-z0-9_-]{1,200}(\\?thread_id=[0-9]{1,20})?$"
          },
          "NotificationSlackURL": {
            "type": "string",
            "description": "A Slack incoming-webhook URL; the deployment may allow further hosts (NOTIFY_SLACK_HOSTS)",
            "pattern": "^https://hooks\\.slack\\.com/services/[A-Za-z0-9_/-]{1,200}$"
          },
          "NotificationWebhookURL": {
            "type": "string", "maxLength": 2048,
            "description": "Any endpoint: https on a public address (http and private addresses only where the deployment allows them, OUTBOUND_ALLOW_PRIVATE)",
            "pattern": "^https?://[a-z]([a-z0-9-]{0,30}[a-z0-9])?(\\.[a-z]([a-z0-9-]{0,30}[a-z0-9])?){0,5}(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]*)*(\\?[A-Za-z0-9._~=&-]*)?$"
          },
          "NotificationRulesInput": {
            "type": "object",
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"},
              "enabled": {"type": "boolean"},
              "creators": {"$ref": "#/components/schemas/NotificationCreators"},
              "eventTypes": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"$ref": "#/components/schemas/NotificationEventType"}},
              "minBits": {"type": "integer", "minimum": 0, "maximum": 2147483647},
              "minGiftTotal": {"type": "integer", "minimum": 0, "maximum": 2147483647},
              "minRaidViewers": {"type": "integer", "minimum": 0, "maximum": 2147483647},
              "cooldownSeconds": {"type": "integer", "minimum": 0, "maximum": 86400, "description": "per creator and event type; default 600"},
              "templates": {"$ref": "#/components/schemas/NotificationTemplates"}
            }
          },
          "CreateNotificationDestinationInput": {
            "allOf": [{"$ref": "#/components/schemas/NotificationRulesInput"}],
            "oneOf": [
              {
                "type": "object", "required": ["name", "kind", "url"],
                "properties": {"kind": {"const": "discord"}, "url": {"$ref": "#/components/schemas/NotificationDiscordURL"},
                               "bot": {"oneOf": [{"$ref": "#/components/schemas/NotificationBot"}, {"type": "null"}]}}
              },
              {
                "type": "object", "required": ["name", "kind", "url"],
                "properties": {"kind": {"const": "slack"}, "url": {"$ref": "#/components/schemas/NotificationSlackURL"}, "bot": {"type": "null"}}
              },
              {
                "type": "object", "required": ["name", "kind", "url"],
                "properties": {"kind": {"const": "webhook"}, "url": {"$ref": "#/components/schemas/NotificationWebhookURL"}, "bot": {"type": "null"}}
              }
            ],
            "unevaluatedProperties": false
          },
          "UpdateNotificationDestinationInput": {
            "allOf": [{"$ref": "#/components/schemas/NotificationRulesInput"}],
            "properties": {
              "url": {
                "anyOf": [{"$ref": "#/components/schemas/NotificationDiscordURL"}, {"$ref": "#/components/schemas/NotificationSlackURL"},
                          {"$ref": "#/components/schemas/NotificationWebhookURL"}],
                "description": "of the destination's kind (a Discord or Slack URL on a destination of the other kind is a 409)"
              },
              "bot": {"oneOf": [{"$ref": "#/components/schemas/NotificationBot"}, {"type": "null"}], "description": "Discord only"}
            },
            "unevaluatedProperties": false
          },
          "NotificationDestination": {
            "type": "object",
            "required": ["id", "name", "kind", "urlHint", "enabled", "disabledReason", "disabledAt", "creators", "eventTypes", "minBits",
                         "minGiftTotal", "minRaidViewers", "cooldownSeconds", "templates", "optOuts", "createdAt", "updatedAt"],
            "properties": {
              "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}, "kind": {"$ref": "#/components/schemas/NotificationKind"},
              "urlHint": {"type": "string", "description": "scheme, host and the last characters of the sealed URL"},
              "enabled": {"type": "boolean"},
              "disabledReason": {"type": ["string", "null"], "description": "why deliveries stopped (a deleted Discord webhook, a member)"},
              "disabledAt": {"type": ["string", "null"]},
              "hasSecret": {"type": "boolean", "description": "webhook: a signing secret is stored"},
              "bot": {"oneOf": [{"type": "object", "properties": {"channelId": {"type": "string"}, "hasToken": {"type": "boolean"}}}, {"type": "null"}]},
              "creators": {"$ref": "#/components/schemas/NotificationCreators"},
              "eventTypes": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationEventType"}},
              "minBits": {"type": "integer"}, "minGiftTotal": {"type": "integer"}, "minRaidViewers": {"type": "integer"},
              "cooldownSeconds": {"type": "integer"}, "templates": {"type": "object"},
              "optOuts": {
                "type": "array",
                "items": {"type": "object", "properties": {"creatorId": {"type": "string"}, "login": {"type": "string"},
                                                           "displayName": {"type": "string"}, "createdAt": {"type": "string"}}}
              },
              "createdAt": {"type": "string"}, "updatedAt": {"type": "string"}
            }
          },
          "CreatedNotificationDestination": {
            "allOf": [
              {"$ref": "#/components/schemas/NotificationDestination"},
              {"type": "object", "properties": {"secret": {"type": "string", "pattern": "^whsec_[A-Za-z0-9+/]+=*$", "description": "webhook only; shown once"}}}
            ]
          },
          "NotificationDestinationList": {
            "type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationDestination"}}}
          },
          "NotificationPreviewInput": {
            "type": "object", "required": ["kind"], "additionalProperties": false,
            "properties": {
              "kind": {"$ref": "#/components/schemas/NotificationKind"}, "eventType": {"oneOf": [{"$ref": "#/components/schemas/NotificationEventType"}, {"type": "null"}]},
              "template": {"oneOf": [{"$ref": "#/components/schemas/NotificationTemplate"}, {"type": "null"}]}
            }
          },
          "NotificationDestinationPreviewInput": {
            "type": "object", "additionalProperties": false,
            "properties": {
              "eventType": {"oneOf": [{"$ref": "#/components/schemas/NotificationEventType"}, {"type": "null"}]},
              "template": {"oneOf": [{"$ref": "#/components/schemas/NotificationTemplate"}, {"type": "null"}]}
            }
          },
          "NotificationPreview": {
            "type": "object", "required": ["kind", "eventType", "source", "body", "problems"],
            "properties": {
              "kind": {"$ref": "#/components/schemas/NotificationKind"}, "eventType": {"$ref": "#/components/schemas/NotificationEventType"},
              "source": {
                "type": "object", "required": ["type"],
                "properties": {"type": {"enum": ["event", "sample"]}, "eventId": {"type": "string"}, "occurredAt": {"type": "string"},
                               "creatorId": {"type": ["string", "null"]}, "note": {"type": "string"}}
              },
              "body": {"type": "object", "description": "the JSON body exactly as a delivery sends it"},
              "problems": {
                "type": "object", "additionalProperties": {"type": "string"},
                "description": "what saving the draft template would refuse (422), by field: an unknown placeholder, a text that could outgrow the limits"
              }
            }
          },
          "NotificationTestInput": {
            "type": "object", "additionalProperties": false, "properties": {"eventType": {"oneOf": [{"$ref": "#/components/schemas/NotificationEventType"}, {"type": "null"}]}}
          },
          "NotificationTestSend": {
            "type": "object", "required": ["deliveryId", "status"],
            "properties": {"deliveryId": {"type": "integer"}, "status": {"const": "pending"}}
          },
          "NotificationDelivery": {
            "type": "object",
            "required": ["id", "eventId", "eventType", "creator", "status", "skipReason", "attempts", "responseStatus", "lastError", "latencyMs",
                         "testSend", "createdAt", "finishedAt", "nextAttemptAt"],
            "properties": {
              "id": {"type": "integer"}, "eventId": {"type": ["integer", "null"]}, "eventType": {"type": "string"},
              "creator": {"oneOf": [{"type": "object", "properties": {"id": {"type": "string"}, "login": {"type": ["string", "null"]},
                                                                       "displayName": {"type": ["string", "null"]}}}, {"type": "null"}]},
              "status": {"enum": ["pending", "sending", "retrying", "delivered", "skipped", "disabled", "failed"]},
              "skipReason": {"type": ["string", "null"]}, "attempts": {"type": "integer"}, "responseStatus": {"type": ["integer", "null"]},
              "lastError": {"type": ["string", "null"]}, "latencyMs": {"type": ["integer", "null"]}, "testSend": {"type": "boolean"},
              "createdAt": {"type": "string"}, "finishedAt": {"type": ["string", "null"]}, "nextAttemptAt": {"type": ["string", "null"]}
            }
          },
          "NotificationDeliveryPage": {
            "type": "object",
            "properties": {
              "data": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationDelivery"}},
              "next": {"oneOf": [{"type": "object", "properties": {"before": {"type": "integer"}}}, {"type": "null"}]}
            }
          },
          "APIKeyScope": {
            "enum": ["events:read", "audit:read", "archives:read", "creators:read", "creators:write", "members:read", "branding:read",
                     "notifications:read", "notifications:write"],
            "description": "events:read: GET /api/events, /api/events/{id}; audit:read: GET /api/audit-logs; archives:read: GET /api/archives; creators:read: GET /api/creators, /api/creators/{id}, /api/platforms; creators:write: POST /api/creators, PATCH and DELETE /api/creators/{id}, POST /api/creators/{id}/channels, DELETE /api/creators/{id}/channels/{channelRowId}; members:read: GET /api/members; branding:read: GET /api/branding; notifications:read: GET /api/notifications/destinations, /api/notifications/destinations/{id}, /api/notifications/destinations/{id}/deliveries; notifications:write: POST /api/notifications/destinations, PATCH and DELETE /api/notifications/destinations/{id}, POST /api/notifications/destinations/{id}/secret, /api/notifications/destinations/{id}/preview, /api/notifications/destinations/{id}/test, PUT and DELETE /api/notifications/destinations/{id}/opt-outs/{creatorId}, POST /api/notifications/preview"
          },
          "APIKey": {
            "type": "object", "required": ["id", "name", "prefix", "scopes", "createdAt", "createdBy", "expiresAt", "lastUsedAt", "revokedAt"],
            "properties": {
              "id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
              "prefix": {"type": "string", "description": "the visible part: the key starts ccr_<prefix>_"},
              "scopes": {"type": "array", "items": {"$ref": "#/components/schemas/APIKeyScope"}},
              "createdAt": {"type": "string"}, "createdBy": {"type": ["string", "null"], "description": "the member who created it"},
              "expiresAt": {"type": ["string", "null"]}, "lastUsedAt": {"type": ["string", "null"], "description": "to the minute"},
              "revokedAt": {"type": ["string", "null"]}
            }
          },
          "CreatedAPIKey": {
            "allOf": [
              {"$ref": "#/components/schemas/APIKey"},
              {
                "type": "object", "required": ["key"],
                "properties": {"key": {"type": "string", "pattern": "^ccr_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$", "description": "shown once: send it as Authorization: Bearer <key>"}}
              }
            ]
          },
          "CreateAPIKeyInput": {
            "type": "object", "required": ["name", "scopes"],
            "properties": {
              "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000]*$"},
              "scopes": {"type": "array", "minItems": 1, "uniqueItems": true, "items": {"$ref": "#/components/schemas/APIKeyScope"}},
              "expiresInDays": {"type": ["integer", "null"], "minimum": 1, "maximum": 3650, "description": "absent or null: the key does not expire"}
            },
            "additionalProperties": false
          },
          "APIKeyList": {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/APIKey"}}}},
          "MemberList": {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Member"}}}},
          "CreatorList": {"type": "object", "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Creator"}}}},
          "EventPage": {
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}, "next": {"type": ["object", "null"]}}
          },
          "AuditLogPage": {
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/AuditLog"}}, "next": {"type": ["object", "null"]}}
          },
          "ArchivePage": {
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Archive"}}, "next": {"type": ["object", "null"]}}
          }
        }
      }
    }
    """#
}
