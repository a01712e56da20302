package issuer

import (
	"fmt"
	"slices"
	"time"
)

// The emulated mailbox: every e-mail the service sends (the verification
// code, "finalise your activation", "activation failed") lands in the
// recipient's inbox, where tests and testers read it (Mails).

// Mail is an e-mail the service sent.
type Mail struct {
	To      string
	Subject string
	Body    string
	SentAt  time.Time
}

// The e-mails of the service (subjects and bodies after the training deck's
// examples). The "activation failed" e-mail never says why: "for security
// reasons, the cause of the rejection cannot be given in the e-mail; the
// insured person must open the app to learn it".
const (
	mailFrom = "Votre Assurance Maladie <ne-pas-repondre@applicartevitale.fr>"

	SubjectEmailCode = "Votre appli carte Vitale : Code de vérification de l'adresse e-mail"
	SubjectFinalise  = "Votre appli carte Vitale : Finalisez l'activation"
	SubjectFailed    = "Votre appli carte Vitale : L'activation a échoué"

	mailFooter = "\n\nMerci de ne pas répondre à cet e-mail, adressé automatiquement.\n"
)

// MaxMailsPerAddress bounds an inbox: the oldest mails are dropped.
const MaxMailsPerAddress = 50

func emailCodeBody(code string) string {
	return "Bonjour,\n\nVous venez de télécharger l'appli carte Vitale, nous vous en remercions. " +
		"Veuillez trouver ci-dessous le code de vérification à saisir dans l'application :\n\n" + code +
		"\n\nImportant : ce code est valable 1h, saisissez-le sans attendre.\n\n" +
		"Si vous n'êtes pas à l'origine de cette demande, contactez votre caisse d'assurance maladie qui vous donnera les consignes à suivre." +
		mailFooter
}

const finaliseBody = "Bonjour,\n\nLa vérification de votre identité est terminée. " +
	"Pour finaliser l'activation de votre appli carte Vitale, ouvrez-la et saisissez votre code secret personnel " +
	"dans les 7 jours ; passé ce délai, votre profil sera supprimé et vous devrez recommencer l'activation." + mailFooter

const failedBody = "Bonjour,\n\nL'activation de votre appli carte Vitale a échoué. " +
	"Pour des raisons de sécurité, la cause ne peut pas être indiquée dans cet e-mail : " +
	"ouvrez votre appli carte Vitale pour en connaître le motif." + mailFooter

// sendLocked puts a mail in to's inbox. i.mu is held.
func (i *Issuer) sendLocked(to, subject, body string) {
	if to == "" {
		return
	}
	box := append(i.inbox[to], Mail{To: to, Subject: subject, Body: body, SentAt: i.now()})
	if n := len(box); n > MaxMailsPerAddress {
		box = slices.Clone(box[n-MaxMailsPerAddress:])
	}
	i.inbox[to] = box
	i.opts.Logger.Info("issuer: e-mail sent", "subject", subject)
}

// Mails returns the e-mails sent to address, oldest first (at most
// MaxMailsPerAddress): the emulated inbox.
// An issuer made by Open first re-reads its directory when another
// process saved it since.
func (i *Issuer) Mails(address string) []Mail {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.refreshViewLocked("mails")
	return slices.Clone(i.inbox[address])
}

// LastMail returns the latest e-mail sent to address, or false.
func (i *Issuer) LastMail(address string) (Mail, bool) {
	ms := i.Mails(address)
	if len(ms) == 0 {
		return Mail{}, false
	}
	return ms[len(ms)-1], true
}

func (m Mail) String() string {
	return fmt.Sprintf("De: %s\nÀ: %s\nObjet: %s\n\n%s", mailFrom, m.To, m.Subject, m.Body)
}
