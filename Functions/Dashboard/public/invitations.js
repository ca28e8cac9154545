// The invitations page (#/admin/invitations, admins and owners): invite an email with a role
// (only roles the viewer may grant: an owner any, an admin those below its own), the link of a
// new invitation shown once with a copy button, the company's invitations with their status,
// and revoking a pending one. The link's token exists only in the create answer (the server
// keeps its hash), so the page shows it until the admin dismisses it or leaves the page.
//
// Accepting happens at sign-in: the invited person opens the link, signs in with an identity
// provider that verified the same email, and lands in the company with the invited role.

import { registerAdminSection, registerMembersPart, manageableRoles, memberEmailsById } from "./admin.js";
import { el, formatDateTime, copyFromInput, latestOnly } from "./format.js";

const STATUSES = new Set(["pending", "accepted", "expired", "revoked"]);

registerAdminSection({ id: "invitations", label: "Invitations", minimum: "admin" }, renderInvitations, { before: "branding" });

// Below the members table: where inviting happens.
registerMembersPart(({ container }) => {
  container.append(el("p", { class: "hint" }, [
    document.createTextNode("To add someone who has not signed in yet, "),
    el("a", { text: "send an invitation", attrs: { href: "#/admin/invitations" } }),
    document.createTextNode("."),
  ]));
});

/** The full link to send: this site's origin and the path the server answered (`/auth/login?invitation=…`). */
export function invitationLink(acceptPath) {
  if (typeof acceptPath !== "string" || !acceptPath.startsWith("/") || acceptPath.startsWith("//")) return null;
  return location.origin + acceptPath;
}

function statusText(invitation) {
  const status = STATUSES.has(invitation.status) ? invitation.status : "unknown";
  if (status === "accepted" && invitation.acceptedAt) return `accepted ${formatDateTime(invitation.acceptedAt)}`;
  if (status === "revoked" && invitation.revokedAt) return `revoked ${formatDateTime(invitation.revokedAt)}`;
  return status;
}

function renderInvitations({ api, body, role, stillCurrent, statusLine, setStatus, errorText, field }) {
  const status = statusLine();
  const grantable = manageableRoles(role);
  const email = el("input", { attrs: { type: "email", name: "email", id: "invitation-email", required: true, maxlength: "254", autocomplete: "off", placeholder: "name@example.com" } });
  const newRole = el("select", { attrs: { name: "role", id: "invitation-role" } }, grantable.map((value) => el("option", { text: value, attrs: { value } })));
  newRole.value = grantable.includes("viewer") ? "viewer" : grantable[0];
  const submit = el("button", { text: "Invite", attrs: { type: "submit" } });
  const form = el("form", { class: "inline", attrs: { id: "invitation-form" } }, [field("Email", email), field("Role", newRole), submit]);

  // The one-time link.
  const linkTitle = el("p", { class: "secret-title", attrs: { id: "invitation-link-title" } });
  const linkInput = el("input", { class: "secret-value", attrs: { id: "invitation-link-url", readonly: true, "aria-label": "Invitation link", spellcheck: "false" } });
  const copy = el("button", { text: "Copy link", attrs: { type: "button", id: "invitation-link-copy" } });
  const done = el("button", { text: "Done", attrs: { type: "button", id: "invitation-link-done" } });
  const linkPanel = el("div", { class: "secret-panel", attrs: { id: "invitation-link", role: "region", "aria-label": "New invitation link" }, hidden: true }, [
    linkTitle,
    el("p", { class: "secret-note", attrs: { id: "invitation-link-note" }, text: "Send this link to them yourself. It is shown only now and won't be shown again: "
      + "the server keeps only a hash of it. It works once, for 7 days, for whoever signs in with an identity provider that verified that email address." }),
    el("div", { class: "secret-row" }, [linkInput, copy, done]),
  ]);
  copy.addEventListener("click", async () => {
    const copied = await copyFromInput(linkInput);
    setStatus(status, copied ? "Link copied." : "Could not copy: the link is selected, press Ctrl+C.", !copied);
  });
  done.addEventListener("click", () => {
    linkInput.value = "";
    linkPanel.hidden = true;
    setStatus(status, "");
  });

  const tbody = el("tbody");
  const empty = el("p", { class: "empty", text: "No invitations yet.", hidden: true });
  const refresh = el("button", { text: "Refresh", attrs: { type: "button", id: "invitations-refresh" } });
  const table = el("table", { attrs: { id: "invitations-table" } }, [
    el("thead", {}, [el("tr", {}, ["Email", "Role", "Status", "Invited by", "Sent", "Expires", ""].map((text) => el("th", { text })))]),
    tbody,
  ]);

  const beginLoad = latestOnly(stillCurrent);
  const load = async () => {
    const latest = beginLoad();
    try {
      const [result, names] = await Promise.all([api.invitations(), memberEmailsById(api)]);
      if (!latest()) return;
      const rows = (result?.data ?? []).map((invitation) => row(invitation, names));
      tbody.replaceChildren(...rows);
      empty.hidden = rows.length > 0;
    } catch (error) {
      if (latest()) setStatus(status, errorText(error), true);
    }
  };

  const row = (invitation, names) => {
    const actions = [];
    if (invitation.status === "pending" && grantable.includes(invitation.role)) {
      const revoke = el("button", { text: "Revoke", class: "danger revoke-invitation", attrs: { type: "button" } });
      revoke.addEventListener("click", async () => {
        if (!confirm(`Revoke the invitation of ${invitation.email}? The link stops working.`)) return;
        revoke.disabled = true;
        try {
          await api.revokeInvitation(invitation.id);
          setStatus(status, `Revoked the invitation of ${invitation.email}.`);
          await load();
        } catch (error) {
          revoke.disabled = false;
          setStatus(status, errorText(error), true);
          if (error?.status === 409) await load(); // accepted or expired meanwhile
        }
      });
      actions.push(revoke);
    }
    const inviter = invitation.invitedBy ? names.get(String(invitation.invitedBy)) || invitation.invitedBy : "";
    return el("tr", { dataset: { invitationId: String(invitation.id ?? ""), status: String(invitation.status ?? ""), email: String(invitation.email ?? "") } }, [
      el("td", { text: invitation.email ?? "" }),
      el("td", { text: invitation.role ?? "" }),
      el("td", { class: "invitation-status", text: statusText(invitation) }),
      el("td", { text: inviter }),
      el("td", { text: formatDateTime(invitation.createdAt) }),
      el("td", { text: formatDateTime(invitation.expiresAt) }),
      el("td", {}, actions),
    ]);
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const address = email.value.trim();
    const invitedRole = newRole.value;
    submit.disabled = true;
    setStatus(status, "Inviting…");
    try {
      const created = await api.invite(address, invitedRole);
      const link = invitationLink(created?.acceptPath);
      if (!link) throw new Error("The server's answer has no invitation link.");
      // The admin left the page before the answer came: the link is gone with it; the
      // invitation is listed as pending and can be revoked and sent again.
      if (!stillCurrent()) return;
      linkTitle.textContent = `Invitation link for ${created.email ?? address} (${created.role ?? invitedRole})`;
      linkInput.value = link;
      linkPanel.hidden = false;
      linkInput.focus();
      linkInput.select();
      setStatus(status, `Invited ${created.email ?? address} as ${created.role ?? invitedRole}.`);
      form.reset();
      newRole.value = grantable.includes("viewer") ? "viewer" : grantable[0];
      await load();
    } catch (error) {
      setStatus(status, error?.status === 409 ? `${address} is already a member of this company.` : errorText(error), true);
    } finally {
      submit.disabled = false;
    }
  });
  refresh.addEventListener("click", () => load());

  body.append(
    el("h1", { text: "Invitations" }),
    el("p", { class: "hint", text: "Invite people by email. They accept by opening the link and signing in with that email address." }),
    form, status, linkPanel,
    el("div", { class: "table-tools" }, [el("h2", { text: "Sent invitations" }), refresh]),
    table, empty,
  );
  load();
}
