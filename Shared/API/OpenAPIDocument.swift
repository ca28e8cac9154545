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
        "/api/creators": {
          "get": {
            "summary": "List creators with live status, live first", "operationId": "listCreators",
            "responses": {
              "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreatorList"}}}},
              \#(commonErrors)
            }
          },
          "post": {
            "summary": "Track a creator by Twitch login (operator)", "operationId": "addCreator",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AddCreatorInput"}}}},
            "responses": {
              "201": {"description": "Created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Creator"}}}},
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
        "/api/creators/{id}/link": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
          "post": {
            "summary": "A link for the creator to authorize the enabled event types on Twitch: single use, 15 minutes (admin)",
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
              "id": {"type": "string"}, "twitchUserId": {"type": "string"}, "login": {"type": "string"},
              "displayName": {"type": "string"}, "topics": {"type": "array", "items": {"type": "string"}},
              "notes": {"type": "string"}, "createdAt": {"type": "string"}, "status": {"type": "object"},
              "twitch": {"$ref": "#/components/schemas/CreatorTwitchLink"}
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
          "Event": {
            "type": "object", "required": ["id", "companyId", "type", "version", "source", "occurredAt", "receivedAt", "data"],
            "properties": {
              "id": {"type": "integer"}, "companyId": {"type": "string"}, "creatorId": {"type": ["string", "null"]},
              "type": {"type": "string"}, "version": {"type": "string"}, "source": {"enum": ["webhook", "poll"]},
              "occurredAt": {"type": "string"}, "receivedAt": {"type": "string"},
              "broadcasterUserId": {"type": ["string", "null"]}, "data": {"type": "object"}
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
            "type": "object", "required": ["login"],
            "properties": {
              "login": {"type": "string", "pattern": "^[A-Za-z0-9_]+$", "minLength": 1, "maxLength": 25},
              "topics": {"$ref": "#/components/schemas/Topics"}, "notes": {"$ref": "#/components/schemas/Notes"}
            },
            "additionalProperties": false
          },
          "UpdateCreatorInput": {
            "type": "object",
            "properties": {"topics": {"$ref": "#/components/schemas/Topics"}, "notes": {"$ref": "#/components/schemas/Notes"},
                           "eventTypes": {"type": "array", "maxItems": 8, "items": {"$ref": "#/components/schemas/AuthorizationEventType"},
                                          "description": "The types that need the creator's authorization the agency wants"}},
            "additionalProperties": false
          },
          "APIKeyScope": {
            "enum": ["events:read", "audit:read", "archives:read", "creators:read", "creators:write", "members:read", "branding:read"],
            "description": "events:read: GET /api/events, /api/events/{id}; audit:read: GET /api/audit-logs; archives:read: GET /api/archives; creators:read: GET /api/creators, /api/creators/{id}; creators:write: POST /api/creators, PATCH and DELETE /api/creators/{id}; members:read: GET /api/members; branding:read: GET /api/branding"
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
