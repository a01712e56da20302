package portal

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Role is what an agent may do.
type Role string

// Roles. A viewer sees one person at a time; an habilité agent also revokes
// an app, blocks and unblocks a user.
const (
	RoleViewer   Role = "viewer"
	RoleHabilite Role = "habilite"
)

func (r Role) valid() bool { return r == RoleViewer || r == RoleHabilite }

// allows reports whether role r may perform action a.
func (r Role) allows(a action) bool {
	switch a {
	case actView:
		return r == RoleViewer || r == RoleHabilite
	case actRevoke, actBlock, actUnblock:
		return r == RoleHabilite
	}
	return false
}

// Agent is one portal user. Only the SHA-256 of the agent's bearer token is
// kept: a leaked agents file gives no token.
type Agent struct {
	ID          string `json:"id"`           // stable identifier written to the audit log, [A-Za-z0-9._-]{1,64}
	Name        string `json:"name"`         // display name (never written to the audit log)
	Role        Role   `json:"role"`         // "viewer" or "habilite"
	TokenSHA256 string `json:"token_sha256"` // lower-case hex SHA-256 of the token
}

// agentsFile is the JSON form of an agents file.
type agentsFile struct {
	Agents []Agent `json:"agents"`
}

// MaxAgentsFile bounds the size of an agents file.
const MaxAgentsFile = 1 << 20

// TokenPrefix starts every token made by NewToken.
const TokenPrefix = "apcvp_"

// ParseAgents decodes and validates an agents file:
//
//	{"agents": [{"id": "a-dupont", "name": "A. Dupont", "role": "habilite",
//	             "token_sha256": "<64 hex digits>"}]}
//
// Unknown fields are refused (a plain "token" field is a mistake to catch),
// as are duplicate ids or hashes, unknown roles and malformed hashes. Errors
// wrap ErrBadAgents.
func ParseAgents(data []byte) ([]Agent, error) {
	if len(data) > MaxAgentsFile {
		return nil, fmt.Errorf("portal: agents file of %d bytes: %w", len(data), ErrBadAgents)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f agentsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("portal: agents file: %v: %w", err, ErrBadAgents)
	}
	if dec.More() {
		return nil, fmt.Errorf("portal: agents file: data after the object: %w", ErrBadAgents)
	}
	ids := map[string]bool{}
	hashes := map[string]bool{}
	for i, a := range f.Agents {
		if !validID(a.ID) {
			return nil, fmt.Errorf("portal: agents file: agent %d: id %q is not 1 to 64 of [A-Za-z0-9._-]: %w", i, a.ID, ErrBadAgents)
		}
		if ids[a.ID] {
			return nil, fmt.Errorf("portal: agents file: agent %q listed twice: %w", a.ID, ErrBadAgents)
		}
		if !a.Role.valid() {
			return nil, fmt.Errorf("portal: agents file: agent %q: role %q is not %q or %q: %w", a.ID, a.Role, RoleViewer, RoleHabilite, ErrBadAgents)
		}
		if b, err := hex.DecodeString(a.TokenSHA256); err != nil || len(b) != sha256.Size || hex.EncodeToString(b) != a.TokenSHA256 {
			return nil, fmt.Errorf("portal: agents file: agent %q: token_sha256 is not 64 lower-case hex digits: %w", a.ID, ErrBadAgents)
		}
		if hashes[a.TokenSHA256] {
			return nil, fmt.Errorf("portal: agents file: agent %q shares a token with another agent: %w", a.ID, ErrBadAgents)
		}
		ids[a.ID], hashes[a.TokenSHA256] = true, true
	}
	return f.Agents, nil
}

// LoadAgents reads and parses the agents file at path.
func LoadAgents(path string) ([]Agent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("portal: agents file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxAgentsFile+1))
	if err != nil {
		return nil, fmt.Errorf("portal: agents file: %w", err)
	}
	return ParseAgents(data)
}

// MarshalAgents returns the agents file holding agents.
func MarshalAgents(agents []Agent) ([]byte, error) {
	return json.MarshalIndent(agentsFile{Agents: agents}, "", "  ")
}

func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// HashToken returns the lower-case hex SHA-256 of token, the form an
// agents file stores.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a fresh bearer token (TokenPrefix and 32 random bytes in
// base64url) and its hash for the agents file. rand nil means crypto/rand.
func NewToken(r io.Reader) (token, hash string, err error) {
	if r == nil {
		r = rand.Reader
	}
	var b [32]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", "", fmt.Errorf("portal: new token: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token), nil
}

// agentSet finds agents by token in constant time over the hashes.
type agentSet struct {
	agents []Agent
	hashes [][sha256.Size]byte
}

func newAgentSet(agents []Agent) (*agentSet, error) {
	s := &agentSet{agents: append([]Agent(nil), agents...)}
	for _, a := range agents {
		var h [sha256.Size]byte
		if b, err := hex.DecodeString(a.TokenSHA256); err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("portal: agent %q: bad token hash: %w", a.ID, ErrBadAgents)
		} else {
			copy(h[:], b)
		}
		if !validID(a.ID) || !a.Role.valid() {
			return nil, fmt.Errorf("portal: agent %q: bad id or role: %w", a.ID, ErrBadAgents)
		}
		s.hashes = append(s.hashes, h)
	}
	return s, nil
}

// lookup returns the agent whose token hash matches token's. Every hash is
// compared, in constant time, whatever matched.
func (s *agentSet) lookup(token string) (Agent, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.hashes {
		if subtle.ConstantTimeCompare(sum[:], s.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Agent{}, false
	}
	return s.agents[found], true
}
