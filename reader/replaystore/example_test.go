package replaystore_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/reader/replaystore"
)

// Two desks of one machine open the same file: a QR accepted at one is
// refused at the other. In a reader, pass the store as
// credential.VerifierConfig.Replay or reader.Config.Replay.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "replay")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "replay.db")
	desk1, _ := replaystore.Open(path, replaystore.Options{})
	desk2, _ := replaystore.Open(path, replaystore.Options{})

	cid, now, window := [8]byte{1}, time.Now(), 3*time.Minute
	fmt.Println(desk1.Accept(cid, 7, now, window))
	err := desk2.Accept(cid, 7, now.Add(time.Second), window)
	fmt.Println(errors.Is(err, credential.ErrReplayed))
	// Output:
	// <nil>
	// true
}
