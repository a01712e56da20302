package corpus

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// TestFamilies draws the frames from a fresh seed each run (printed;
// APCV_CORPUS_SEED=N draws those of seed N again): the same seed renders
// the same pixels, every family renders, and over all families our
// decode-verify path reads at least as many frames as ZXingReader (when
// installed; zbarimg too).
func TestFamilies(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("APCV_CORPUS_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("APCV_CORPUS_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (APCV_CORPUS_SEED=%d to draw these frames again)", seed, seed)
	n := 2
	if testing.Short() {
		n = 1
	}
	worlds := []*testworld.World{testworld.New(1), testworld.New(6)}
	if raceEnabled {
		// Rendering is about 30 times slower under the race detector: one
		// family's frame, twice, for determinism; the read rates run
		// without it.
		o := FamilyOptions(Families[0], seed, 0)
		a, err := qrimage.Frame("APCV1:RACE", o)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := qrimage.Frame("APCV1:RACE", o)
		if string(a.Pix) != string(b.Pix) {
			t.Fatal("the same options rendered other pixels")
		}
		t.Log("race detector: read rates not measured")
		return
	}
	imgs, err := FamilyImages(worlds, seed, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != n*len(Families) {
		t.Fatalf("%d images, want %d", len(imgs), n*len(Families))
	}
	again, err := FamilyImages(worlds, seed, 1)
	if err != nil {
		t.Fatal(err)
	}
	if string(again[0].Gray.Pix) != string(imgs[0].Gray.Pix) {
		t.Fatal("the same seed rendered other pixels")
	}
	if o := FamilyOptions(Families[0], seed+1, 0); o == FamilyOptions(Families[0], seed, 0) {
		t.Fatal("another seed drew the same options")
	}

	peers := map[string][]string{"ZXingReader": {"-format", "QRCode", "-bytes"}, "zbarimg": {"-q", "--raw"}}
	dir := t.TempDir()
	read := map[string]int{}
	for i, im := range imgs {
		p, err := DecodeVerify(context.Background(), im.World.Verifier(nil), im.Gray)
		ok := err == nil && p.CredentialID == im.World.CID
		if ok {
			read["ours"]++
		}
		line := im.Name() + ": ours " + strconv.FormatBool(ok)
		path := filepath.Join(dir, strconv.Itoa(i)+".png")
		for name, args := range peers {
			bin, err := exec.LookPath(name)
			if err != nil {
				continue
			}
			if _, err := os.Stat(path); err != nil {
				f, err := os.Create(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(f, im.Gray); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			out, _ := exec.Command(bin, append(args, path)...).Output()
			pok := strings.TrimRight(string(out), "\r\n") == im.Text
			if pok {
				read[name]++
			}
			line += ", " + name + " " + strconv.FormatBool(pok)
		}
		t.Log(line)
	}
	t.Logf("read of %d: %v", len(imgs), read)
	for name := range peers {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("APCV_REQUIRE_PEERS") != "" {
				t.Errorf("%s required: %v", name, err)
			}
			continue
		}
		if read["ours"] < read[name] {
			t.Errorf("ours read %d frames, %s %d (seed %d)", read["ours"], name, read[name], seed)
		}
	}
}

func TestFamiliesNamed(t *testing.T) {
	got, err := FamiliesNamed([]string{"glare", "low-contrast", "glare"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "low-contrast" || got[1].Name != "glare" {
		t.Errorf("got %d families, want low-contrast then glare (table order, once each)", len(got))
	}
	if _, err := FamiliesNamed([]string{"glare", "sunburn"}); err == nil {
		t.Error("unknown family accepted")
	}
}
