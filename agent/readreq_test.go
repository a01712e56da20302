package agent

import "testing"

// readRequestRows are bodies of POST /v1/read: the usual ones, which
// parseReadRequest decodes itself, and the others, which it leaves to
// encoding/json.
var readRequestRows = []struct {
	body string
	want ReadRequest
	ok   bool
}{
	{`{}`, ReadRequest{}, true},
	{` { } `, ReadRequest{}, true},
	{`{"timeout_ms":10000}`, ReadRequest{TimeoutMS: 10000}, true},
	{"{\n\t\"masked\" : true ,\r\n \"timeout_ms\": 0, \"rights\":false}\n", ReadRequest{Masked: true}, true},
	{`{"rights":true,"masked":false,"timeout_ms":-1}`, ReadRequest{Rights: true, TimeoutMS: -1}, true},
	{`{"timeout_ms":999999999999999999}`, ReadRequest{TimeoutMS: 999999999999999999}, true},
	{`{"timeout_ms":9999999999999999999}`, ReadRequest{}, false}, // 19 digits: encoding/json's range check
	{`{"timeout_ms":1.5}`, ReadRequest{}, false},
	{`{"timeout_ms":1e3}`, ReadRequest{}, false},
	{`{"timeout_ms":01}`, ReadRequest{}, false},
	{`{"timeout_ms":-}`, ReadRequest{}, false},
	{`{"timeout_ms":null}`, ReadRequest{}, false},
	{`{"timeout_ms":"5"}`, ReadRequest{}, false},
	{`{"Timeout_MS":5}`, ReadRequest{}, false}, // encoding/json folds case
	{`{"timeout":5}`, ReadRequest{}, false},
	{`{"masked":true,"masked":false}`, ReadRequest{}, false},
	{`{"mas\u006bed":true}`, ReadRequest{}, false},
	{`{"masked":tru}`, ReadRequest{}, false},
	{`{"masked":true,}`, ReadRequest{}, false},
	{`{"masked":true}{}`, ReadRequest{}, false},
	{`{"masked":true} }`, ReadRequest{}, false},
	{`{"masked" true}`, ReadRequest{}, false},
	{`[]`, ReadRequest{}, false},
	{``, ReadRequest{}, false},
	{`{`, ReadRequest{}, false},
}

func TestParseReadRequest(t *testing.T) {
	for _, row := range readRequestRows {
		got, ok := parseReadRequest([]byte(row.body))
		if ok != row.ok || got != row.want {
			t.Errorf("%q: %+v %v, want %+v %v", row.body, got, ok, row.want, row.ok)
		}
		checkReadRequest(t, []byte(row.body))
	}
}

// FuzzReadRequest: whatever parseReadRequest decodes, encoding/json (as
// the agent calls it) decodes the same way.
func FuzzReadRequest(f *testing.F) {
	for _, row := range readRequestRows {
		f.Add([]byte(row.body))
	}
	f.Fuzz(checkReadRequest)
}

func checkReadRequest(t *testing.T, b []byte) {
	got, ok := parseReadRequest(b)
	if !ok {
		return
	}
	var want ReadRequest
	if err := decodeJSON(b, &want); err != nil || want != got {
		t.Fatalf("%q: parseReadRequest %+v, encoding/json %+v %v", b, got, want, err)
	}
}
