package portal_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/credential"
)

// TestPublishedLists checks the list endpoints: signature, headers, ETag and
// If-None-Match, HEAD, and the publish-delay bound.
func TestPublishedLists(t *testing.T) {
	w := newWorld(t)
	auth := w.iss.ListAuthority()
	tl := w.do("GET", "/trust-list", "", "")
	if tl.status != 200 || tl.header.Get("Content-Type") != "application/cose" {
		t.Fatalf("trust list: %d %q", tl.status, tl.header.Get("Content-Type"))
	}
	if _, err := credential.ParseTrustList(tl.body, auth); err != nil {
		t.Fatalf("trust list does not verify: %v", err)
	}
	rl := w.do("GET", "/revocation-list", "", "")
	if _, err := credential.ParseRevocationList(rl.body, auth); err != nil {
		t.Fatalf("revocation list does not verify: %v", err)
	}
	tag := rl.header.Get("ETag")
	if !strings.HasPrefix(tag, `"`) || strings.HasPrefix(tag, "W/") || len(tag) < 40 {
		t.Errorf("ETag %q is not a strong hash tag", tag)
	}
	if cc := rl.header.Get("Cache-Control"); cc != "public, max-age="+strconv.Itoa(int(w.delay/time.Second)) {
		t.Errorf("Cache-Control %q", cc)
	}
	for _, tt := range []struct {
		name, inm string
		status    int
	}{
		{"same tag", tag, 304},
		{"weak form", "W/" + tag, 304},
		{"in a list", `"other", ` + tag, 304},
		{"star", "*", 304},
		{"other tag", `"other"`, 200},
		{"unquoted", strings.Trim(tag, `"`), 200},
	} {
		a := w.do("GET", "/revocation-list", "", "", "If-None-Match", tt.inm)
		if a.status != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, a.status, tt.status)
		}
		if a.status == 304 && (len(a.body) != 0 || a.header.Get("ETag") != tag) {
			t.Errorf("%s: 304 with body %d bytes, ETag %q", tt.name, len(a.body), a.header.Get("ETag"))
		}
		if a.status == 200 && !bytes.Equal(a.body, rl.body) {
			t.Errorf("%s: other bytes within the delay", tt.name)
		}
	}
	if h := w.do("HEAD", "/trust-list", "", ""); h.status != 200 || len(h.body) != 0 || h.header.Get("ETag") == "" {
		t.Errorf("HEAD: %d, %d bytes", h.status, len(h.body))
	}

	// Unchanged content keeps the same bytes (and ETag) past the delay.
	w.fc.Advance(w.delay)
	if a := w.do("GET", "/revocation-list", "", "", "If-None-Match", tag); a.status != 304 {
		t.Errorf("unchanged list past the delay: %d", a.status)
	}
	// A block is not served before the delay, and is from then on.
	w.fc.Advance(10 * time.Second)
	if a := w.do("POST", "/v1/person/block", w.habilite, jsonBody(w.nir, "fraud-suspected")); a.status != 200 {
		t.Fatal(a.status)
	}
	cid, _ := w.ph.CredentialID()
	revoked := func() (bool, string) {
		a := w.do("GET", "/revocation-list", "", "")
		l, err := credential.ParseRevocationList(a.body, auth)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range l.Revoked {
			if c == cid {
				return true, a.header.Get("ETag")
			}
		}
		return false, a.header.Get("ETag")
	}
	w.fc.Advance(w.delay - 10*time.Second - time.Second)
	if in, _ := revoked(); in {
		t.Error("block published before the delay")
	}
	w.fc.Advance(time.Second)
	in, newTag := revoked()
	if !in || newTag == tag {
		t.Errorf("block not published after the delay (in list %v, ETag changed %v)", in, newTag != tag)
	}
	if a := w.do("GET", "/revocation-list", "", "", "If-None-Match", tag); a.status != 200 {
		t.Errorf("old ETag still matches: %d", a.status)
	}

	// Half-way through the list's validity it is re-signed even unchanged,
	// so readers never hold a list close to its next update.
	l0, _ := credential.ParseRevocationList(w.do("GET", "/revocation-list", "", "").body, auth)
	w.fc.Set(l0.IssuedAt.Add(l0.NextUpdate.Sub(l0.IssuedAt) / 2))
	l1, _ := credential.ParseRevocationList(w.do("GET", "/revocation-list", "", "").body, auth)
	if l1.Seq <= l0.Seq || !l1.NextUpdate.After(l0.NextUpdate) {
		t.Errorf("not re-signed at half validity: seq %d -> %d", l0.Seq, l1.Seq)
	}
}
