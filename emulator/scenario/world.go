package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/issuer"
	"github.com/apcvkit/apcvkit/emulator/phone"
	"github.com/apcvkit/apcvkit/emulator/portal"
	"github.com/apcvkit/apcvkit/reader"
)

// runner is one run of a scenario: the world and the step under way.
type runner struct {
	ctx  context.Context
	sc   *Scenario
	out  io.Writer
	w    *World
	step *Step
	desk desk

	tokens map[portal.Role]string // bearer tokens of the portal's two agents

	showPII  bool
	masker   masker
	newEmail string // the address of the last change-email left to confirm
}

// mask masks the profiles' personal data in s, unless ShowPII.
func (r *runner) mask(s string) string {
	if r.showPII {
		return s
	}
	return r.masker.mask(s)
}

// phone returns the phone the step acts on, and its name.
func (r *runner) phone() (*phone.Phone, string, error) {
	name := r.step.Phone
	if name == "" {
		ph, n := r.w.Current()
		if ph == nil {
			return nil, "", fmt.Errorf("no phone yet: start with new-phone: %w", ErrScenarioStep)
		}
		return ph, n, nil
	}
	ph, ok := r.w.Phones[name]
	if !ok {
		return nil, "", fmt.Errorf("no phone called %q: %w", name, ErrScenarioStep)
	}
	return ph, name, nil
}

// loadProfile returns a built-in profile, or reads a profile file relative
// to the scenario's directory.
func (r *runner) loadProfile(s string) (*phone.Profile, error) {
	if !strings.ContainsAny(s, `/\.`) {
		return phone.BuiltinProfile(s)
	}
	if !filepath.IsAbs(s) && r.sc.Dir != "" {
		s = filepath.Join(r.sc.Dir, s)
	}
	return phone.LoadProfile(s)
}

// The portal's agents: one viewer, one habilité.
var agentIDs = map[portal.Role]string{portal.RoleViewer: "v-scenario", portal.RoleHabilite: "h-scenario"}

// portal returns the management portal in front of the issuer, made at
// first use with its audit log in a temporary directory.
func (r *runner) portal() (*portal.Handler, error) {
	if r.w.portal != nil {
		return r.w.portal, nil
	}
	dir, err := os.MkdirTemp("", "apcv-scenario-")
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	r.w.tmp = dir
	r.tokens = map[portal.Role]string{}
	var agents []portal.Agent
	for _, role := range []portal.Role{portal.RoleViewer, portal.RoleHabilite} {
		tok, hash, err := portal.NewToken(nil)
		if err != nil {
			return nil, fmt.Errorf("portal: %w", err)
		}
		r.tokens[role] = tok
		agents = append(agents, portal.Agent{ID: agentIDs[role], Name: agentIDs[role], Role: role, TokenSHA256: hash})
	}
	h, err := portal.New(portal.Config{Backend: r.w.Issuer, Agents: agents, AuditPath: filepath.Join(dir, portal.AuditFile),
		Clock: r.w.Clock, SkipListAudit: true})
	if err != nil {
		return nil, err
	}
	r.w.portal = h
	return h, nil
}

// portalDo sends one request to the portal, in process, and decodes the
// JSON answer into out. An error answer becomes the portal's error (its
// apcverr sentinel, found by its code).
func (r *runner) portalDo(method, path string, body any, role portal.Role, out any) ([]byte, error) {
	h, err := r.portal()
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = strings.NewReader(string(b))
	}
	req := httptest.NewRequestWithContext(r.ctx, method, path, rd)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+r.tokens[role])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &e)
		return nil, fmt.Errorf("portal %s: HTTP %d: %w", path, rec.Code, sentinel(e.Error))
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			return nil, fmt.Errorf("portal %s: %w", path, err)
		}
	}
	return rec.Body.Bytes(), nil
}

// sentinel returns the apcverr sentinel with this code, or Generic.
func sentinel(code string) error {
	for _, e := range apcverr.All() {
		if e.Code == code {
			return e
		}
	}
	return fmt.Errorf("code %q: %w", code, apcverr.Generic)
}

// desk is the professional's lists, as a reader.ListSource: fetched from
// the portal at every reading (auto, the default: a connected desk), or
// only by refresh-lists (a desk that updates its lists now and then).
type desk struct {
	r            *runner
	auto         bool
	trust, revoc []byte
	disabled     bool     // the software's ApCV function is off
	departement  string   // the desk's département
	deployed     []string // where the app is deployed, for the desk's software
}

func (d *desk) refresh() error {
	t, err := d.r.portalDo(http.MethodGet, "/trust-list", nil, "", nil)
	if err != nil {
		return err
	}
	rv, err := d.r.portalDo(http.MethodGet, "/revocation-list", nil, "", nil)
	if err != nil {
		return err
	}
	d.trust, d.revoc = t, rv
	return nil
}

// lists returns the lists a reading uses: fetched now (auto), or the ones
// fetched last (fetched now if there are none yet).
func (d *desk) lists() (reader.StaticLists, error) {
	if d.auto || d.trust == nil {
		if err := d.refresh(); err != nil {
			return reader.StaticLists{}, fmt.Errorf("desk lists: %w", err)
		}
	}
	return reader.StaticLists{Trust: d.trust, Revocation: d.revoc}, nil
}

// describeIdentity is a verified identity for the transcript, masked.
func describeIdentity(id *reader.Identity) string {
	od := id.OuvrantDroit()
	groups := make([]string, len(id.Groups))
	for i, g := range id.Groups {
		groups[i] = g.String()
	}
	return fmt.Sprintf("identity verified (%s): NIR %s, %d beneficiar%s, groups %s, credential valid until %s",
		id.Mode, od.NIR.Masked(), len(id.Beneficiaires), plural(len(id.Beneficiaires), "y", "ies"),
		strings.Join(groups, "+"), id.Verification.ValidUntil.UTC().Format("2006-01-02"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nirOf returns the ouvrant droit's NIR of a phone.
func nirOf(ph *phone.Phone) credential.NIR {
	p := ph.Profile()
	return p.OuvrantDroit().NIR
}

// trainingDeck is the deck's 23 départements.
func trainingDeck() []string { return issuer.TrainingDeckDepartements }
