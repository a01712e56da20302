package agent

import (
	"errors"
	"net/http"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/internal/desk"
	"github.com/apcvkit/apcvkit/nfc"
	"github.com/apcvkit/apcvkit/reader"
)

// Errors of the agent. Each is answered with its HTTP status and the error
// JSON (ErrorJSON); the codes are stable.
var (
	// ErrUnauthorized: no pairing token, or a wrong one (401).
	ErrUnauthorized = apcverr.New("unauthorized",
		"This program is not paired with the carte Vitale app agent. Run apcv agent pair and give it the token.",
		"Ce logiciel n'est pas appairé avec l'agent appli carte Vitale. Lancez apcv agent pair et donnez-lui le jeton.")
	// ErrOriginForbidden: a browser page from an Origin not in the allow-list (403).
	ErrOriginForbidden = apcverr.New("origin-forbidden",
		"This web page is not allowed to use the carte Vitale app agent. Add its address to the agent's allowed origins.",
		"Cette page web n'est pas autorisée à utiliser l'agent appli carte Vitale. Ajoutez son adresse aux origines autorisées de l'agent.")
	// ErrHostForbidden: a Host header that is not a loopback name while
	// remote access is off (403): a DNS-rebinding page.
	ErrHostForbidden = apcverr.New("host-forbidden",
		"The agent answers only requests addressed to this computer (127.0.0.1 or localhost).",
		"L'agent ne répond qu'aux requêtes adressées à cet ordinateur (127.0.0.1 ou localhost).")
	// ErrUnknownEndpoint: no such path (404).
	ErrUnknownEndpoint = apcverr.New("unknown-endpoint",
		"This address does not exist on the carte Vitale app agent. Check the agent's API version.",
		"Cette adresse n'existe pas sur l'agent appli carte Vitale. Vérifiez la version de l'API de l'agent.")
	// ErrWrongMethod: the HTTP method is not the endpoint's (405).
	ErrWrongMethod = apcverr.New("wrong-method",
		"This HTTP method is not allowed on this address of the agent.",
		"Cette méthode HTTP n'est pas autorisée sur cette adresse de l'agent.")
	// ErrTooLarge: the request body exceeds Options.MaxBody (413).
	ErrTooLarge = apcverr.New("request-too-large",
		"The request sent to the agent is too large.",
		"La requête envoyée à l'agent est trop volumineuse.")
	// ErrMediaType: a POST body that is not application/json (415).
	ErrMediaType = apcverr.New("unsupported-media-type",
		"The agent accepts JSON only (Content-Type: application/json).",
		"L'agent n'accepte que du JSON (Content-Type: application/json).")
	// ErrBadRequest: a body that is not the endpoint's JSON object (400).
	ErrBadRequest = apcverr.New("bad-request",
		"The request sent to the agent is malformed. Check its JSON fields.",
		"La requête envoyée à l'agent est mal formée. Vérifiez ses champs JSON.")
	// ErrRemoteNeedsTLS: listening beyond loopback without --allow-remote
	// and a TLS certificate; the agent refuses to start.
	ErrRemoteNeedsTLS = apcverr.New("remote-needs-tls",
		"The agent listens on this computer only. Listening on the network needs --allow-remote and a TLS certificate.",
		"L'agent n'écoute que sur cet ordinateur. Écouter sur le réseau demande --allow-remote et un certificat TLS.")
	// ErrTokenFile: the pairing token file is unreadable, malformed or
	// readable by others.
	ErrTokenFile = apcverr.New("bad-token-file",
		"The agent's pairing token file is unreadable or not private. Delete it and pair again with apcv agent pair.",
		"Le fichier du jeton d'appairage de l'agent est illisible ou n'est pas privé. Supprimez-le et appairez de nouveau avec apcv agent pair.")
)

// statusOf maps an error of a session to its HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, ErrOriginForbidden), errors.Is(err, ErrHostForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrUnknownEndpoint):
		return http.StatusNotFound
	case errors.Is(err, ErrWrongMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrMediaType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, desk.ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, desk.ErrBadReceipt):
		return http.StatusBadRequest
	case errors.Is(err, desk.ErrCancelled):
		return http.StatusConflict // the desk cancelled this read from another caller
	case errors.Is(err, reader.ErrBusy):
		return http.StatusConflict
	case errors.Is(err, reader.ErrNoSource), errors.Is(err, reader.ErrClosed), errors.Is(err, nfc.ErrNoService):
		return http.StatusServiceUnavailable
	case reader.IsRefusal(err):
		return http.StatusUnprocessableEntity
	}
	var m apcverr.Messager
	if errors.As(err, &m) && apcverr.Code(err) != apcverr.Generic.Code {
		// A failed presentation with its own desk message (phone removed,
		// app locked, link failure): the desk shows it and reads again.
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
