package lists

import "github.com/apcvkit/apcvkit/apcverr"

// Errors of the fetcher; credential errors (ErrBadSignature, ErrMalformed,
// ErrRollback, …) pass through wrapped.
var (
	// ErrUnreachable: the list server could not be reached or answered
	// with an error, and no list is cached.
	ErrUnreachable = apcverr.New("list-server-unreachable",
		"The list server cannot be reached and no list is saved on this computer. Connect the software to the internet.",
		"Le serveur de listes est injoignable et aucune liste n'est enregistrée sur cet ordinateur. Connectez le logiciel à internet.")
	// ErrBadAnswer: the server answered something that is not a list
	// (wrong status, a 304 for a list we do not hold, too large).
	ErrBadAnswer = apcverr.New("list-server-bad-answer",
		"The list server gave an invalid answer. The lists in use are kept.",
		"Le serveur de listes a donné une réponse invalide. Les listes en service sont conservées.")
)
