/// Invitations (issue 13): an owner or admin invites an email with a role; the single-use link's
/// token is stored hashed, expires after 7 days, can be revoked, and is accepted at sign-in by a
/// user whose provider verified that same email.
enum Migration0009Invitations {
    static let migration = Migration(version: 9, name: "invitations", sql: #"""
    CREATE TABLE invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
        email text NOT NULL CHECK (position('@' IN email) > 1 AND email = lower(email)),
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
        token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        invited_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL DEFAULT now() + interval '7 days',
        accepted_at timestamptz,
        accepted_by uuid REFERENCES users (id) ON DELETE SET NULL,
        revoked_at timestamptz
    );
    CREATE INDEX invitations_company_id ON invitations (company_id, created_at DESC);

    ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON invitations
        USING (company_id = current_company_id()) WITH CHECK (company_id = current_company_id());
    GRANT SELECT, INSERT, UPDATE ON invitations TO ccr_app;

    -- Accepting happens at sign-in, before any tenant scope: the token names the company. One
    -- reviewed function, run as the owner: it finds the invitation by the token's hash (the
    -- owner-only read policy below), checks it is open and for this (verified) email, then,
    -- inside that company's tenant scope (so the tenant policies check every write), marks the
    -- invitation used, adds the membership and writes the audit row. Outcome: accepted (with the
    -- company), or why not.
    CREATE POLICY owner_accepts_invitations ON invitations FOR SELECT TO ccr_owner USING (true);

    CREATE FUNCTION accept_invitation(presented_hash bytea, member uuid, member_email text)
        RETURNS TABLE (outcome text, company_id uuid, role text)
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER
        SET search_path = public, pg_temp
        AS $$
        DECLARE
            invited public.invitations;
        BEGIN
            SELECT * INTO invited FROM public.invitations i WHERE i.token_hash = presented_hash;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 'unknown'::text, NULL::uuid, NULL::text;
                RETURN;
            END IF;
            IF invited.revoked_at IS NOT NULL THEN
                RETURN QUERY SELECT 'revoked'::text, invited.company_id, NULL::text;
                RETURN;
            END IF;
            IF invited.accepted_at IS NOT NULL THEN
                RETURN QUERY SELECT 'used'::text, invited.company_id, NULL::text;
                RETURN;
            END IF;
            IF invited.expires_at <= now() THEN
                RETURN QUERY SELECT 'expired'::text, invited.company_id, NULL::text;
                RETURN;
            END IF;
            IF invited.email <> lower(member_email) THEN
                RETURN QUERY SELECT 'email_mismatch'::text, invited.company_id, NULL::text;
                RETURN;
            END IF;
            PERFORM set_config('app.company_id', invited.company_id::text, true);
            -- Claimed atomically: of two sign-ins racing on one link, one wins.
            UPDATE public.invitations SET accepted_at = now(), accepted_by = member
                WHERE id = invited.id AND accepted_at IS NULL AND revoked_at IS NULL;
            IF NOT FOUND THEN
                RETURN QUERY SELECT 'used'::text, invited.company_id, NULL::text;
                RETURN;
            END IF;
            INSERT INTO public.memberships (company_id, user_id, role) VALUES (invited.company_id, member, invited.role)
                ON CONFLICT ON CONSTRAINT memberships_pkey DO NOTHING;
            INSERT INTO public.audit_logs (company_id, actor_user_id, actor_role, action, target_type, target_id, after)
                VALUES (invited.company_id, member::text, invited.role, 'invitation.accept', 'invitation', invited.id::text,
                        jsonb_build_object('email', invited.email, 'role', invited.role));
            RETURN QUERY SELECT 'accepted'::text, invited.company_id, invited.role;
        END
        $$;
    REVOKE ALL ON FUNCTION accept_invitation(bytea, uuid, text) FROM PUBLIC;
    GRANT EXECUTE ON FUNCTION accept_invitation(bytea, uuid, text) TO ccr_app;
    """#)
}
