// Command vectorgen writes the credential test vectors
// (credential/testdata/vectors/*.json) from the fixed test keys and
// families of package credential/internal/vectors.
//
//	cd credential && go run ./internal/vectorgen -out testdata/vectors
//
// The output is deterministic (RFC 6979 signatures, fixed salts): run it
// after a deliberate change of the wire format, and commit the result;
// credential/vectors_test.go checks that the files are what it generates.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/apcvkit/apcvkit/credential/internal/vectors"
)

func main() {
	out := flag.String("out", "testdata/vectors", "directory to write the vectors to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	vs, err := vectors.Generate()
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range vs {
		b, err := vectors.Encode(v)
		if err != nil {
			log.Fatal(err)
		}
		name := filepath.Join(*out, v.Name+".json")
		if err := os.WriteFile(name, b, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println(name)
	}
}
