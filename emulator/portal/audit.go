package portal

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// AuditEntry is one line of the audit log. NIR is always the masked form
// (credential.NIR.Masked); no name, birth date or token ever appears.
//
// An action that changes the state (revoke-app, block, unblock) leaves two
// entries with the same Op: the intent (Phase "intent", Status 0, Result
// "pending"), written and synced before anything is changed — an action
// whose intent could not be made durable is not applied — and the outcome
// (Phase "outcome"). An intent without its outcome means the portal stopped
// (crash, kill) between the two: whether the action took effect is then
// what the saved state says. Every other request leaves one entry, without
// Op or Phase.
type AuditEntry struct {
	Time   time.Time `json:"time"`
	Agent  string    `json:"agent"`            // agent id, or "anonymous"
	Action string    `json:"action"`           // view, revoke-app, block, unblock, trust-list, revocation-list, or the refused path's action
	NIR    string    `json:"nir,omitempty"`    // masked target NIR
	Reason string    `json:"reason,omitempty"` // the reason's code (ReasonCodes); nothing when the reason given was refused
	Note   string    `json:"note,omitempty"`   // the agent's note, scrubbed of NIR-shaped numbers and the person's names (ScrubNote)
	Status int       `json:"status"`           // HTTP status answered (0 for an intent)
	Result string    `json:"result"`           // "ok", the error code answered, or "pending" for an intent
	Remote string    `json:"remote,omitempty"` // the client's IP address
	Op     string    `json:"op,omitempty"`     // links an action's intent and outcome
	Phase  string    `json:"phase,omitempty"`  // "intent" or "outcome", for an action
	// Credential is, for the online service's resolve (emulator/backoffice),
	// the hex id of the credential whose short QR was asked: which
	// professional (Agent "ps:RPPS") resolved which code, and nothing more.
	Credential string `json:"credential,omitempty"`
}

// Phases of an action's entries.
const (
	PhaseIntent  = "intent"
	PhaseOutcome = "outcome"
	// ResultPending is the Result of an intent.
	ResultPending = "pending"
)

// AuditWriter is where an AuditLog writes: an *os.File, or in tests a
// writer that fails on demand.
type AuditWriter interface {
	Write(p []byte) (int, error)
	Sync() error
	Close() error
}

// Anonymous is the agent id of requests without a valid token.
const Anonymous = "anonymous"

// AuditLog is an append-only JSON-lines file: each entry is written with a
// single write on a file opened O_APPEND and synced before Append returns,
// so entries survive a crash and a restart appends after them. It is safe
// for concurrent use.
type AuditLog struct {
	syncMu sync.Mutex // held by Sync and Close: no file is closed under a Sync
	mu     sync.Mutex
	f      AuditWriter
	err    error // sticky write error
	path   string
	dirty  bool // written by AppendNoSync, not synced yet
}

// OpenAuditLog opens (creating it 0600 if needed) the audit log at path for
// appending. A torn last line left by a crash is terminated first.
func OpenAuditLog(path string) (*AuditLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("portal: audit log: %w", err)
	}
	// A crash in the middle of a write leaves a torn last line: end it, so
	// that the next entry starts on a line of its own.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte{'\n'}); err != nil {
				f.Close()
				return nil, fmt.Errorf("portal: audit log: %w", err)
			}
		}
	}
	return &AuditLog{f: f, path: path}, nil
}

// NewAuditLog returns an AuditLog writing to w (which it closes on Close);
// path is what Path reports. OpenAuditLog is the usual way; this one lets a
// test inject a writer that fails.
func NewAuditLog(w AuditWriter, path string) *AuditLog { return &AuditLog{f: w, path: path} }

// Path returns the file's path.
func (l *AuditLog) Path() string { return l.path }

// Err returns the first write error, if any: once writing failed, every
// Append fails and the portal refuses actions.
func (l *AuditLog) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil && l.f == nil {
		return fmt.Errorf("portal: audit log: %w", os.ErrClosed)
	}
	return l.err
}

// Append writes e as one line and syncs the file.
func (l *AuditLog) Append(e AuditEntry) error { return l.append(e, true) }

// AppendNoSync writes e as one line without syncing the file: the entry
// survives a crash of the process at once, a crash of the system only
// after the next Sync (or Append). For a writer that syncs on its own
// schedule (the online service's AuditSyncInterval).
func (l *AuditLog) AppendNoSync(e AuditEntry) error { return l.append(e, false) }

// append writes e as one line, then syncs the file (under the lock, so
// that Append returns once its entry is durable) when sync is set, else
// leaves it for the next Sync.
func (l *AuditLog) append(e AuditEntry, sync bool) error {
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("portal: audit log: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return l.err
	}
	if l.f == nil {
		return fmt.Errorf("portal: audit log: %w", os.ErrClosed)
	}
	if _, err := l.f.Write(line); err != nil {
		l.err = fmt.Errorf("portal: audit log: %w", err)
		return l.err
	}
	if !sync {
		l.dirty = true
		return nil
	}
	if err := l.f.Sync(); err != nil {
		l.err = fmt.Errorf("portal: audit log: sync: %w", err)
		return l.err
	}
	l.dirty = false
	return nil
}

// Sync syncs the entries written by AppendNoSync since the last sync. The
// fsync runs outside the lock that writes take: entries keep being
// written meanwhile (the next Sync covers them).
func (l *AuditLog) Sync() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	f, dirty, err := l.f, l.dirty, l.err
	l.dirty = false
	l.mu.Unlock()
	if err != nil || f == nil || !dirty {
		return err
	}
	if err := f.Sync(); err != nil {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.err == nil {
			l.err = fmt.Errorf("portal: audit log: sync: %w", err)
		}
		return l.err
	}
	return nil
}

// Close closes the file; later Appends fail.
func (l *AuditLog) Close() error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	var err error
	if l.dirty && l.err == nil {
		err = l.f.Sync()
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// ReadAuditLog returns the entries of the audit log at path, oldest first,
// and how many lines were skipped because they are not valid JSON (a line
// torn by a crash in the middle of a write).
func ReadAuditLog(path string) (entries []AuditEntry, torn int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("portal: audit log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		var e AuditEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			torn++
			continue
		}
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("portal: audit log: %w", err)
	}
	return entries, torn, nil
}
