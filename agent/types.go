package agent

import "github.com/apcvkit/apcvkit/internal/desk"

// The JSON configuration and the JSON bodies of the agent are those of
// the desk session it serves (shared with libapcv); docs/AGENT.md gives
// them field by field, docs/schema/*.json as JSON Schema.
type (
	// Config is the reading configuration (apcv agent --config FILE): a
	// lists directory and devices, or an emulated phone.
	Config = desk.Config
	// Emulate is an in-memory emulated phone (Config.Emulate).
	Emulate = desk.Emulate
	// Event is one event of GET /v1/events.
	Event = desk.Event
	// ReaderState is a device and its state (GET /v1/readers).
	ReaderState = desk.ReaderState
	// ErrorJSON is the body of every refusal:
	//	{"code": "busy", "message_fr": "Une lecture est déjà en cours.", "message_en": "A reading is already in progress."}
	ErrorJSON = desk.ErrorJSON
)

// ParseConfig decodes a JSON configuration strictly (unknown fields are
// refused with a typed error).
func ParseConfig(data []byte) (Config, error) { return desk.ParseConfig(data) }
