// Package desk is the session core shared by the local agent (apcv agent)
// and the C library (libapcv): one embeddable session over a reader.Reader,
// configured by JSON, so that neither writes the sources, the events, the
// error bodies or the emulated phone a second time.
//
//	s, err := desk.Open(ctx, desk.Config{Emulate: &desk.Emulate{Profile: "famille-6-drome"}})
//	id, err := s.Read(ctx) // the next verified identity; Cancel ends it from another goroutine
//
// # Configuration
//
// Config is the JSON object of apcv agent --config and of apcv_open; see
// ParseConfig (unknown fields are refused) and docs/LIBAPCV.md, field by
// field. A Config names real devices (PC/SC readers, serial scanners, --auto
// discovery) verified against a lists directory, or an in-memory emulated
// phone (Emulate), which brings its own issuer and lists and presents the
// phone, over NFC or as a QR code, at each Read.
//
// # Reads, events, errors
//
// One Read at a time: a second concurrent Read fails with reader.ErrBusy.
// Cancel ends the Read under way (and blocked Subscription.Next calls) with
// ErrCancelled; a ctx deadline ends it with ErrTimeout. Every event of the
// reader (and the emulated phone's presentations) is converted to Event,
// the one JSON event type of the agent's SSE stream and of apcv_next_event,
// and fanned out to every Subscription. Errors cross the process boundary
// as ErrorJSON: the stable apcverr code and the FR/EN desk messages; and,
// for C, as a result code (ResultCode), from a table that is only ever
// appended to (see ResultCodes).
package desk
