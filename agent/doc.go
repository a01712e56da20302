// Package agent is the local agent of apcvkit: the HTTP/JSON and
// Server-Sent Events service through which billing software in any
// language (C#, Delphi, WinDev, Java, a browser page) reads the appli carte
// Vitale. `apcv agent serve` runs it on 127.0.0.1; a Go program may embed
// it:
//
//	a, err := agent.New(ctx, agent.Config{Lists: dir, PCSC: []string{"any"}}, agent.Options{Token: token})
//	err = a.Serve(ctx, ln, nil) // until ctx ends
//
// # API
//
// docs/openapi.json (OpenAPI 3.1) and docs/AGENT.md describe it; the JSON
// bodies are published as JSON Schema under docs/schema:
//
//	GET  /v1/health         no token, no personal data
//	GET  /v1/readers        the devices and their state
//	POST /v1/read           {"timeout_ms":N} → the verified identity (reader.IdentityJSON)
//	GET  /v1/events         text/event-stream of Event
//	POST /v1/receipts       a receipt for the last identity read
//	POST /v1/lists/refresh  fetch the trust and revocation lists now
//
// One read at a time: a second POST /v1/read while one runs is answered 409
// (code "busy") at once, never a shared half-read. A client that
// disconnects cancels its read. Every refusal carries the error JSON
// (ErrorJSON): a stable code and the desk message in French and English.
//
// # Security
//
// Every endpoint but /v1/health needs the installation's pairing token
// (LoadOrCreateToken; `apcv agent pair` prints it), compared in constant
// time, as "Authorization: Bearer TOKEN"; /v1/events also takes ?token= for
// a browser EventSource. A request with an Origin header is answered only
// for the Options.Origins allow-list (CORS, including Chrome's Private
// Network Access preflight); a Host header that is not a loopback name is
// refused (DNS rebinding). CheckAddr keeps the agent on loopback unless
// remote access is asked for with TLS. Nothing is logged of personal data,
// tokens or query strings.
//
// # Events
//
// Each stream subscribes to the session on its own: a stream that falls
// more than Options.EventBuffer events behind, or does not take a write
// within Options.EventWriteTimeout, is ended; the reading never waits for a
// client.
package agent
