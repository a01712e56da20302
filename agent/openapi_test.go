package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/credential/rights"
	"github.com/apcvkit/apcvkit/internal/testfamily"
	"github.com/apcvkit/apcvkit/reader"
	"github.com/apcvkit/apcvkit/reader/online"
)

// The agent's answers are checked against docs/openapi.json and the JSON
// Schemas of docs/schema, by a JSON Schema 2020-12 validator
// (santhosh-tekuri/jsonschema: complete draft 2020-12, resolves the
// relative $refs between the documents, no dependency of its own but
// x/text). OpenAPI 3.1's schema objects are JSON Schema 2020-12, so the
// response schemas are compiled straight from their place in the spec.

var (
	specOnce sync.Once
	specErr  error
	spec     map[string]any
	specURL  string
	compiler *jsonschema.Compiler
	compMu   sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

func loadSpec(t testing.TB) {
	t.Helper()
	specOnce.Do(func() {
		path, err := filepath.Abs("../docs/openapi.json")
		if err != nil {
			specErr = err
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			specErr = err
			return
		}
		if specErr = json.Unmarshal(b, &spec); specErr != nil {
			return
		}
		// file:///Z:/… on Windows (file://Z:/… would make Z: the host),
		// file:///tmp/… elsewhere.
		specURL = "file:///" + strings.TrimPrefix(filepath.ToSlash(path), "/")
		compiler = jsonschema.NewCompiler()
		compiler.DefaultDraft(jsonschema.Draft2020)
	})
	if specErr != nil {
		t.Fatalf("docs/openapi.json: %v", specErr)
	}
}

// schemaAt compiles the schema at the JSON pointer ptr of the spec, or of a
// schema file under docs/ (file "schema/event.schema.json", ptr "").
func schemaAt(t testing.TB, file, ptr string) *jsonschema.Schema {
	t.Helper()
	loadSpec(t)
	loc := specURL + "#" + ptr
	if file != "" {
		loc = strings.TrimSuffix(specURL, "openapi.json") + file + "#" + ptr
	}
	compMu.Lock()
	defer compMu.Unlock()
	if s, ok := compiled[loc]; ok {
		return s
	}
	s, err := compiler.Compile(loc)
	if err != nil {
		t.Fatalf("compile %s: %v", loc, err)
	}
	compiled[loc] = s
	return s
}

func escapePtr(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// checkAnswer fails t unless the answer (status, Content-Type, body) to
// method path is documented in docs/openapi.json and its body is valid
// against the schema documented for it.
func checkAnswer(t testing.TB, method, path string, status int, contentType string, body []byte) {
	t.Helper()
	loadSpec(t)
	code := strconv.Itoa(status)
	var ptr string
	item, known := spec["paths"].(map[string]any)[path].(map[string]any)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	switch {
	case known && !ok && status == http.StatusMethodNotAllowed: // a method the path does not have
		ptr = "/paths/" + escapePtr(path) + "/" + firstMethod(spec, path) + "/responses/405"
	case !known && status == http.StatusNotFound:
		ptr = "/x-unknown-paths/404"
	case !ok:
		t.Fatalf("%s %s: not in docs/openapi.json (answered %d)", method, path, status)
	default:
		if _, ok := op["responses"].(map[string]any)[code]; !ok {
			t.Fatalf("%s %s answered %d, not documented in docs/openapi.json: %s", method, path, status, body)
		}
		ptr = "/paths/" + escapePtr(path) + "/" + strings.ToLower(method) + "/responses/" + code
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("%s %s: Content-Type %q: %v", method, path, contentType, err)
	}
	if mt == "text/event-stream" {
		return // the stream's events are checked one by one (checkEvent)
	}
	if mt != "application/json" {
		t.Fatalf("%s %s: Content-Type %q, want application/json", method, path, contentType)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s %s: body not JSON: %v: %q", method, path, err, body)
	}
	if err := schemaAt(t, "", ptr+"/content/application~1json/schema").Validate(v); err != nil {
		t.Fatalf("%s %s %d: body does not match docs/openapi.json: %v\n%s", method, path, status, err, body)
	}
}

func firstMethod(spec map[string]any, path string) string {
	for m := range spec["paths"].(map[string]any)[path].(map[string]any) {
		return m
	}
	return ""
}

// checkEvent fails t unless data is valid against docs/schema/event.schema.json.
func checkEvent(t testing.TB, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("event not JSON: %v: %q", err, data)
	}
	if err := schemaAt(t, "schema/event.schema.json", "").Validate(v); err != nil {
		t.Fatalf("event does not match docs/schema/event.schema.json: %v\n%s", err, data)
	}
}

// TestSpecRoutes: every path of docs/openapi.json is served, and every
// route served is in the spec (a new endpoint without docs fails).
func TestSpecRoutes(t *testing.T) {
	loadSpec(t)
	a := newAgent(t, Config{Emulate: &Emulate{}}, Options{})
	served := map[string]bool{}
	for _, p := range a.paths {
		served[p] = true
	}
	for p := range spec["paths"].(map[string]any) {
		if !served[p] {
			t.Errorf("docs/openapi.json documents %s, which the agent does not serve", p)
		}
		delete(served, p)
	}
	for p := range served {
		t.Errorf("the agent serves %s, which docs/openapi.json does not document", p)
	}
}

// TestIdentitySchemaRights: an identity with the AMO rights of every
// beneficiary (plain and masked) and one with the error that replaced them
// are valid against docs/schema/identity.schema.json; one with both, or
// with a renamed rights field, is not.
func TestIdentitySchemaRights(t *testing.T) {
	fam := testfamily.Family(6, testfamily.Options{INS: true})
	base := reader.IdentityJSON{Mode: "QR", Source: "qr:test", Groups: []string{"AMO"},
		Verification: reader.VerificationJSON{Issuer: "CNAM", IssuerKid: "636e616d2d31", CredentialID: "a102030405060708",
			IssuedAt: "2026-11-22T09:30:00Z", ValidUntil: "2027-11-23T09:30:00Z", PresentedAt: "2026-11-23T09:29:58Z",
			FreshnessMS: 1500, ShortQR: true}}
	s := schemaAt(t, "schema/identity.schema.json", "")
	validate := func(j reader.IdentityJSON) error {
		data, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return s.Validate(v)
	}
	for _, masked := range []bool{false, true} {
		j := base
		j.Beneficiaires = credential.JSONOf(fam, masked).Beneficiaires
		j.SetRights(rights.DeriveAll(fam), nil, masked)
		if len(j.Rights) != 6 {
			t.Fatalf("%d rights", len(j.Rights))
		}
		if err := validate(j); err != nil {
			t.Errorf("rights (masked %v): %v", masked, err)
		}
		j.SetRights(nil, fmt.Errorf("x: %w", online.ErrRightsUnavailable), masked)
		if err := validate(j); err != nil || j.RightsError == nil {
			t.Errorf("rights error (masked %v): %v", masked, err)
		}
		j.Rights = []rights.RightsJSON{rights.JSONOf(rights.Derive(fam, 0))}
		if err := validate(j); err == nil {
			t.Error("rights and rightsError together accepted")
		}
	}
	j := base
	j.Beneficiaires = credential.JSONOf(fam, false).Beneficiaires
	j.SetRights(rights.DeriveAll(fam), nil, false)
	data, _ := json.Marshal(j)
	data = bytes.Replace(data, []byte(`"codeGestion"`), []byte(`"code_gestion"`), 1)
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if s.Validate(v) == nil {
		t.Error("a renamed rights field accepted")
	}
}

// TestSchemasRejectDrift: the schemas are strict enough to catch a renamed
// field, a wrong type and a missing required field (so that checking real
// answers against them means something).
func TestSchemasRejectDrift(t *testing.T) {
	const fullBenef = `{"nir":"278057512345675","nomFamille":"D","prenoms":"M","dateNaissance":"1978-05-14","rangNaissance":1,"qualite":0,"organisme":"012619850"}`
	for _, tc := range []struct{ name, file, ptr, doc string }{
		{"error without message", "schema/error.schema.json", "", `{"code":"busy","message_fr":"x"}`},
		{"error with an extra field", "schema/error.schema.json", "", `{"code":"busy","message_fr":"x","message_en":"y","status":409}`},
		{"identity with a renamed field", "schema/identity.schema.json", "", `{"mode":"NFC","source":"s","groups":["AMO"],"verification":{},"beneficiaries":[]}`},
		{"chosen identity with a full ouvrant droit", "schema/identity.schema.json", "", `{"mode":"QR","source":"s","groups":["AMO"],"verification":{"issuer":"CNAM","issuerKid":"00","credentialId":"0001020304050607","issuedAt":"2026-12-06T10:00:00Z","validUntil":"2026-12-06T10:00:00Z","presentedAt":"2026-12-06T10:00:00Z","freshnessMs":0},"selected":1,"beneficiaires":[` + fullBenef + `,` + fullBenef + `]}`},
		{"whole family with a reduced ouvrant droit", "schema/identity.schema.json", "", `{"mode":"QR","source":"s","groups":["AMO"],"verification":{"issuer":"CNAM","issuerKid":"00","credentialId":"0001020304050607","issuedAt":"2026-12-06T10:00:00Z","validUntil":"2026-12-06T10:00:00Z","presentedAt":"2026-12-06T10:00:00Z","freshnessMs":0},"beneficiaires":[{"nir":"278057512345675","qualite":0,"organisme":"012619850"},` + fullBenef + `]}`},
		{"event of an unknown type", "schema/event.schema.json", "", `{"type":"tapped","time":"2026-12-06T10:00:00Z"}`},
		{"identity event without identity", "schema/event.schema.json", "", `{"type":"identity","time":"2026-12-06T10:00:00Z"}`},
		{"refused event without error", "schema/event.schema.json", "", `{"type":"refused","time":"2026-12-06T10:00:00Z"}`},
		{"health with a number version", "", "/components/schemas/Health", `{"status":"ok","version":1,"api":"v1"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if err := schemaAt(t, tc.file, tc.ptr).Validate(v); err == nil {
				t.Errorf("%s accepted by %s#%s", tc.doc, tc.file, tc.ptr)
			}
		})
	}
}
