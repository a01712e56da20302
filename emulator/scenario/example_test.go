package scenario_test

import (
	"context"
	"fmt"
	"os"

	"github.com/apcvkit/apcvkit/emulator/scenario"
)

// A tester's story: the app opened offline only is refused by the desk 91
// days after its activation, and read again once opened online.
func Example() {
	sc, err := scenario.Parse("offline.yaml", []byte(`
name: offline-91-days
steps:
  - new-phone: isere-solo
  - activate
  - network: offline
  - advance: 91d
  - unlock
  - read-qr:
    expect-error: credential-expired
  - network: online
  - open
  - read-qr
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sc.Run(context.Background(), scenario.Options{Out: os.Stdout}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// scenario offline-91-days
	//     1  2026-03-02 09:00     new-phone: "phone": Google Pixel 7 (android 15, NFC), département 38, NIR 2 88 02 ** *** *** 36
	//     2  2026-03-02 09:00     activate: video, back office validated after 0s; state active (locked)
	//     3  2026-03-02 09:00     network: offline, state active (locked)
	//     4  2026-06-01 09:00     advance: +91d
	//     5  2026-06-01 09:00     unlock: state active (unlocked)
	//     6  2026-06-01 09:00     read-qr: refused as expected: credential-expired — Les données de l'appli carte Vitale ont expiré. Demandez au patient d'ouvrir l'appli connectée à internet pour les renouveler.
	//     7  2026-06-01 09:00     network: online, state active (unlocked)
	//     8  2026-06-01 09:00     open: state active (unlocked), data updated 2026-06-01 09:00
	//     9  2026-06-01 09:00     read-qr: identity verified (QR): NIR 2 88 02 ** *** *** 36, 1 beneficiary, groups AMO, credential valid until 2026-08-30
	// PASS offline-91-days (9 steps)
}
