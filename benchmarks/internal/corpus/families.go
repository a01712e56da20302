package corpus

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/internal/testworld"
)

// Family is a family of distortion: a distribution of webcam frames, one
// degradation pushed to its limit over a moderate camera, from which Draw
// picks one frame's options. Every family keeps the app's 4-module quiet
// zone and a plain light screen unless it is what the family distorts.
type Family struct {
	Name string
	Draw func(r *rand.Rand) qrimage.FrameOptions
}

// base is the moderate camera every family starts from: modules of 4 to 6
// pixels, a little rotation and tilt, slight blur and noise, JPEG 85.
func base(r *rand.Rand) qrimage.FrameOptions {
	return qrimage.FrameOptions{
		ModulePx:    4 + 2*r.Float64(),
		Rotation:    r.Float64()*30 - 15,
		Perspective: 6 * r.Float64(),
		Blur:        0.5 + 0.3*r.Float64(),
		Noise:       2 + 2*r.Float64(),
		Contrast:    0.8 + 0.15*r.Float64(),
		JPEG:        85,
	}
}

// Families are the distortion families of the frame corpus, in table
// order.
var Families = []Family{
	{"rotation", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Rotation = 360 * r.Float64()
		return o
	}},
	{"perspective", func(r *rand.Rand) qrimage.FrameOptions {
		// Tilt 25–45° seen through a wide-angle lens: keystones up to about
		// 30 %, any rotation.
		o := base(r)
		o.ModulePx = 4.5 + 1.5*r.Float64()
		o.Rotation = 360 * r.Float64()
		o.Perspective = 25 + 20*r.Float64()
		o.Focal = 550 + 350*r.Float64()
		return o
	}},
	{"blur", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.ModulePx = 4.5 + 1.5*r.Float64()
		o.Blur = 1.2 + 0.8*r.Float64()
		return o
	}},
	{"noise", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Noise = 12 + 14*r.Float64()
		return o
	}},
	{"jpeg", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.JPEG = 15 + r.IntN(30)
		return o
	}},
	{"low-contrast", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Contrast = 0.12 + 0.18*r.Float64()
		return o
	}},
	{"glare", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Glare = 0.4 + 0.5*r.Float64()
		return o
	}},
	{"small-modules", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.ModulePx = 2 + 0.8*r.Float64()
		o.Blur = 0.4 + 0.2*r.Float64()
		return o
	}},
	{"quiet-zone", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.QuietZone = 0.5 + 1.5*r.Float64()
		return o
	}},
	{"dark-mode", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Invert = true
		return o
	}},
	{"bright-surround", func(r *rand.Rand) qrimage.FrameOptions {
		o := base(r)
		o.Surround = 0.6 + 0.4*r.Float64()
		return o
	}},
}

// FamiliesNamed returns the families of Families named in names, in
// table order, or an error naming one that is not.
func FamiliesNamed(names []string) ([]Family, error) {
	var out []Family
	for _, n := range names {
		i := slices.IndexFunc(Families, func(f Family) bool { return f.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("corpus: no family %q", n)
		}
		out = append(out, Families[i])
	}
	slices.SortFunc(out, func(a, b Family) int {
		return slices.IndexFunc(Families, func(f Family) bool { return f.Name == a.Name }) -
			slices.IndexFunc(Families, func(f Family) bool { return f.Name == b.Name })
	})
	return slices.CompactFunc(out, func(a, b Family) bool { return a.Name == b.Name }), nil
}

// FamilySizes are the family sizes (beneficiaries) whose QR texts the
// frames show, in turn: QR versions 13 to 22.
var FamilySizes = []int{1, 2, 4, 6}

// Worlds returns one testworld per size of FamilySizes.
func Worlds() []*testworld.World {
	ws := make([]*testworld.World, len(FamilySizes))
	for i, n := range FamilySizes {
		ws[i] = testworld.New(n)
	}
	return ws
}

// FamilyOptions draws frame i of family f for seed: the same (seed, f, i)
// gives the same options, whatever else is drawn.
func FamilyOptions(f Family, seed uint64, i int) qrimage.FrameOptions {
	h := fnv.New64a()
	h.Write([]byte(f.Name))
	r := rand.New(rand.NewPCG(seed, h.Sum64()+uint64(i)))
	o := f.Draw(r)
	o.Seed = r.Uint64()
	return o
}

// FamilyImages renders n frames of every family for seed, frame i showing
// a QR text of worlds[i%len(worlds)] (its credential at counter 1). The
// frames' options, scenes and noise are deterministic from seed; the texts
// are the worlds' (testworld draws fresh keys, so their bytes differ from
// run to run, their length and QR version do not).
func FamilyImages(worlds []*testworld.World, seed uint64, n int) ([]Image, error) {
	return FamilyImagesOf(Families, worlds, seed, n)
}

// FamilyImagesOf is FamilyImages for the families fams only (a subset of
// Families): frame i of a family is the one FamilyImages renders.
func FamilyImagesOf(fams []Family, worlds []*testworld.World, seed uint64, n int) ([]Image, error) {
	if len(worlds) == 0 {
		return nil, fmt.Errorf("corpus: no world")
	}
	texts := make([]string, len(worlds))
	for i, w := range worlds {
		t, err := Texts(w, 1, 1)
		if err != nil {
			return nil, err
		}
		texts[i] = t[0]
	}
	var out []Image
	for _, f := range fams {
		for i := range n {
			o := FamilyOptions(f, seed, i)
			k := i % len(worlds)
			img, err := qrimage.Frame(texts[k], o)
			if err != nil {
				return nil, fmt.Errorf("corpus: %s %d: %w", f.Name, i, err)
			}
			out = append(out, Image{Class: Class(f.Name), Seed: uint64(i + 1), Gray: img, Text: texts[k], World: worlds[k], Options: o})
		}
	}
	return out, nil
}
