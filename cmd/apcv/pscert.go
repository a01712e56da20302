package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/emulator/psauth"
)

const psCertUsage = `usage:
  apcv ps-cert --state DIR --rpps N [--name NAME] [--profession P] --out-cert FILE --out-key FILE
  apcv ps-cert --state DIR --revoke N

Issues a health professional's client certificate from the PS authority saved
in DIR (created with a new CA if there is none: DIR/ps-ca.pem, the roots a
reader pins for the online service's server certificate, is written then).
The RPPS is 11 digits. The certificate (PEM, valid 3 years) goes to
--out-cert, its private key (PEM, 0600) to --out-key: give both to the
reader (apcv read --ps-cert F --ps-key F --service-ca DIR/ps-ca.pem).
--revoke N revokes the professional with RPPS N instead: every certificate
of theirs is refused by the online service on DIR (a running "apcv portal
serve --service-addr" sees it within a second).

exit codes: 0 ok, 1 failure, 2 usage
`

// cmdPSCert implements "apcv ps-cert".
func cmdPSCert(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("ps-cert", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	state := fl.String("state", "", "emulator state directory holding the PS authority (required)")
	rpps := fl.String("rpps", "", "the professional's RPPS number (11 digits)")
	name := fl.String("name", "", "the professional's name, as on the card")
	profession := fl.String("profession", "Médecin", "the professional's profession")
	outCert := fl.String("out-cert", "", "write the certificate (PEM) to this file")
	outKey := fl.String("out-key", "", "write the private key (PEM, 0600) to this file")
	revoke := fl.String("revoke", "", "revoke the professional with this RPPS instead of issuing")
	err := fl.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, psCertUsage)
		fl.SetOutput(stdout)
		fl.PrintDefaults()
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "apcv ps-cert: %v\n%s", err, psCertUsage)
		return exitUsage
	case fl.NArg() != 0:
		fmt.Fprintf(stderr, "apcv ps-cert: unexpected argument %q\n%s", fl.Arg(0), psCertUsage)
		return exitUsage
	case *state == "":
		fmt.Fprintf(stderr, "apcv ps-cert: --state DIR is required\n%s", psCertUsage)
		return exitUsage
	case *revoke == "" && (*rpps == "" || *outCert == "" || *outKey == ""):
		fmt.Fprintf(stderr, "apcv ps-cert: --rpps, --out-cert and --out-key are required\n%s", psCertUsage)
		return exitUsage
	case *revoke != "" && (*rpps != "" || *outCert != "" || *outKey != ""):
		fmt.Fprintf(stderr, "apcv ps-cert: --revoke goes alone\n%s", psCertUsage)
		return exitUsage
	}
	auth, err := psauth.Open(*state, psauth.Options{})
	if err != nil {
		return fail(stderr, "ps-cert", err, exitFailure)
	}
	if *revoke != "" {
		if err := auth.RevokeRPPS(*revoke); err != nil {
			return fail(stderr, "ps-cert", err, exitFailure)
		}
		fmt.Fprintf(stdout, "revoked RPPS %s\n", *revoke)
		return exitOK
	}
	if *name == "" {
		*name = "PS " + *rpps
	}
	certPEM, keyPEM, err := auth.IssuePS(psauth.PS{RPPS: *rpps, Name: *name, Profession: *profession})
	if err != nil {
		return fail(stderr, "ps-cert", err, exitFailure)
	}
	if err := os.WriteFile(*outKey, keyPEM, 0o600); err != nil {
		return fail(stderr, "ps-cert", err, exitFailure)
	}
	if err := os.WriteFile(*outCert, certPEM, 0o644); err != nil {
		return fail(stderr, "ps-cert", err, exitFailure)
	}
	fmt.Fprintf(stdout, "certificate: %s\nkey: %s\nroots: %s\n", *outCert, *outKey, filepath.Join(*state, psauth.CAFile))
	return exitOK
}
