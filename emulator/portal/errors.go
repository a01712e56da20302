package portal

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of the portal. Each is answered to the agent as JSON
// {"error": Code, "message_fr": FR, "message_en": EN} with the HTTP status
// given in its comment; compare with errors.Is.
var (
	// ErrUnauthenticated: no bearer token, or an unknown one (401).
	ErrUnauthenticated = apcverr.New("unauthenticated",
		"Sign in: this request needs an agent token.",
		"Identifiez-vous : cette requête nécessite un jeton d'agent.")
	// ErrForbidden: the agent's role does not allow the action (403).
	ErrForbidden = apcverr.New("forbidden",
		"Your role does not allow this action. Ask an authorised agent.",
		"Votre rôle ne permet pas cette action. Adressez-vous à un agent habilité.")
	// ErrUnknownPerson: no insured person has this NIR (404).
	ErrUnknownPerson = apcverr.New("unknown-person",
		"No insured person has this social security number.",
		"Aucun assuré n'a ce numéro de sécurité sociale.")
	// ErrNotFound: no such endpoint (404).
	ErrNotFound = apcverr.New("not-found",
		"This address does not exist on the portal.",
		"Cette adresse n'existe pas sur le portail.")
	// ErrBadNIR: the NIR is missing or invalid (400).
	ErrBadNIR = apcverr.New("bad-nir",
		"The social security number is invalid: 13 characters and a 2-digit key, e.g. 2 78 05 75 123 456 80.",
		"Le numéro de sécurité sociale est invalide : 13 caractères et une clé à 2 chiffres, par exemple 2 78 05 75 123 456 80.")
	// ErrBadBody: the body is not the expected JSON object (400).
	ErrBadBody = apcverr.New("bad-body",
		"The request is malformed: a JSON object with the fields nir (and reason for an action) is expected.",
		"La requête est mal formée : un objet JSON avec les champs nir (et reason pour une action) est attendu.")
	// ErrNoReason: a revocation, a block or an unblock without a reason (400).
	ErrNoReason = apcverr.New("reason-required",
		"Give the reason for this action, from the list of reasons.",
		"Indiquez le motif de cette action, choisi dans la liste des motifs.")
	// ErrBadReason: the reason is not a code of ReasonCodes, "other" comes
	// without a note, or the note is longer than MaxReason (400).
	ErrBadReason = apcverr.New("bad-reason",
		"Choose the reason from the list; add a note (at most 200 characters) for \"other\".",
		"Choisissez le motif dans la liste ; ajoutez une note (200 caractères au plus) pour « autre ».")
	// ErrTooLarge: the body exceeds Config.MaxBody (413).
	ErrTooLarge = apcverr.New("body-too-large",
		"The request is too large.",
		"La requête est trop volumineuse.")
	// ErrMethod: the HTTP method is not allowed on this endpoint (405).
	ErrMethod = apcverr.New("method-not-allowed",
		"This method is not allowed here.",
		"Cette méthode n'est pas autorisée ici.")
	// ErrNoActiveApp: revoking when the person has no active app (409).
	ErrNoActiveApp = apcverr.New("no-active-app",
		"This person has no active carte Vitale app to revoke.",
		"Cette personne n'a pas d'appli carte Vitale active à révoquer.")
	// ErrInternal: the backend, the state directory or the audit log
	// failed (500). The action may not have been recorded. It is not
	// apcverr.Generic ("internal", the SDK's fallback for an error of no
	// kind, whose message tells the desk that a reading failed): an agent
	// reads this one, and a client of the JSON can tell a failure of the
	// portal from an error of no kind.
	ErrInternal = apcverr.New("portal-internal",
		"The portal could not complete the request. Try again; if it fails again, contact support.",
		"Le portail n'a pas pu traiter la requête. Réessayez ; si l'échec persiste, contactez le support.")
	// ErrNonLoopback: Server refuses to listen on a non-loopback address
	// unless ServerConfig.AllowNonLoopback is set.
	ErrNonLoopback = apcverr.New("non-loopback",
		"The portal listens on the loopback interface only unless remote access is explicitly allowed.",
		"Le portail n'écoute que sur l'interface locale, sauf si l'accès distant est explicitement autorisé.")
	// ErrBadAgents: the agents file is malformed.
	ErrBadAgents = apcverr.New("bad-agents-file",
		"The portal's agents file is invalid.",
		"Le fichier des agents du portail est invalide.")
)
