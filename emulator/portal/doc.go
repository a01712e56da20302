// Package portal is the emulated "portail de gestion" of the ApCV: a caisse
// agent views one insured person (eligibility, app and activation state,
// phone OS, version and model); an habilité agent also revokes an app,
// blocks or unblocks a user, each with a reason. It also publishes the
// signed trust and revocation lists that readers fetch (see package
// reader/lists).
//
//	h, err := portal.New(portal.Config{Backend: iss, Agents: agents, StateDir: dir})
//	srv := portal.NewServer(h, portal.ServerConfig{Addr: "127.0.0.1:8080"}); err = srv.Start()
//
// # Agents and roles
//
// Agents are listed in a JSON agents file (ParseAgents) that holds, for
// each, an id, a name, a role ("viewer" or "habilite") and the SHA-256 of
// the agent's bearer token; the token itself is never stored (NewToken makes
// one; "apcv portal token" prints one with its agents-file line). A request
// carries "Authorization: Bearer <token>"; its hash is compared with every
// stored hash in constant time.
//
// # Answers
//
// Success is JSON (PersonAnswer, the NIR masked). Errors are JSON
// {"error": code, "message_fr": …, "message_en": …}: 401 without a valid
// token (with WWW-Authenticate), 403 for a role that may not act, 404 for an
// unknown person or endpoint, 400 for a malformed NIR or body, a missing
// reason (reason-required) or one not in the list (bad-reason), 405 for a wrong method, 409 when revoking a person with no active
// app, 413 for a body over Config.MaxBody, 500 when the backend, the state
// directory or the audit log failed.
//
// # Audit
//
// Every request, allowed or refused, list fetches included unless
// Config.SkipListAudit, is appended to an audit log (AuditLog: JSON lines,
// O_APPEND, fsync per entry) with the time, the agent id (or "anonymous"),
// the action, the masked target NIR, the reason, the status and the result.
// No full NIR, name or token is ever written: the reason is a code from
// ReasonCodes, and the agent's optional free-text note is stored only after
// ScrubNote has replaced every NIR-shaped number (13 or 15 characters,
// spaced or not, 2A/2B) by [NIR] and every word of the person's family's
// names (PersonNamer) by [nom].
//
// Audit comes before action: revoke-app, block and unblock first append
// their intent (synced), then change the backend, then append the outcome
// under the same op id (AuditEntry). An action whose intent cannot be
// written is refused (500) and not applied; once the log cannot be
// written, every action is refused.
//
// # Published lists and the publication bound
//
// GET /trust-list and GET /revocation-list (no authentication) serve the
// backend's signed lists as application/cose with a strong ETag (hash of
// the bytes), If-None-Match (304) and Cache-Control max-age. The portal
// asks the backend for a freshly signed list at most once per
// Config.PublishDelay (default 1 min) and keeps serving the same bytes
// while the content is unchanged and the list is in the first half of its
// validity. Hence the bound: a revocation or block made at time t is in
// every list served from t + PublishDelay on (plus the backend's own
// issuer.Options.PublicationDelay, 0 by default); the answer to the action
// gives that time as in_lists_by. A reader refreshing every R then refuses
// the phone at most PublishDelay + R after the action.
//
// # State
//
// With Config.StateDir, the backend (when it is a Saver, as *issuer.Issuer
// is) is saved after every action and before a list with a new sequence
// number is served, so that a restart neither loses an action nor serves a
// list older than one already published (readers would refuse it as a
// rollback). The audit log lives in the same directory and is appended to
// after a restart.
//
// The server listens on loopback only unless ServerConfig.AllowNonLoopback
// is set; put a TLS-terminating proxy in front of it for anything else.
package portal
