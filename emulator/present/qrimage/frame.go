package qrimage

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// FrameOptions describe a generated webcam frame: a phone showing the QR
// code on its screen, held in front of a desk scene, seen through a cheap
// camera. Zero fields mean "no such degradation" (or the default size).
// Frames are deterministic: the same text and options give the same pixels.
type FrameOptions struct {
	W, H        int     // frame size; 0 means 1280×720
	ModulePx    float64 // size of one module in pixels, phone facing the camera; 0 means 4
	Rotation    float64 // in-plane rotation, degrees
	Perspective float64 // out-of-plane tilt, degrees (0..60); the tilt axis is picked by Seed
	Blur        float64 // Gaussian blur sigma in pixels (defocus, motion)
	Noise       float64 // Gaussian sensor noise sigma, in grey levels
	// Contrast scales the image around mid-grey: 1 (or 0) keeps it, 0.3
	// is a washed-out frame.
	Contrast float64
	Glare    float64 // strength of a specular reflection on the screen, 0..1
	JPEG     int     // when 1..100, the frame goes through JPEG at this quality
	Seed     uint64  // picks the scene, the code's place and the noise
	// Focal is the camera's focal length in pixels; 0 means 1200. The
	// phone stands at that distance, so a module keeps ModulePx when it
	// faces the camera; a short focal (a wide-angle webcam, the phone held
	// close) makes the same tilt a stronger keystone: at 600 and 40° the
	// near edge of a 69-module code is about 30 % longer than the far one.
	Focal float64
	// QuietZone is the light margin around the code in modules; 0 means
	// the app's usual 4 and more of light screen. Set (0 < QuietZone < 4),
	// the screen beyond it is a dark card, as in apps that draw the code on
	// a dark background with a thin light border.
	QuietZone float64
	// Invert shows the code in dark mode: light modules on a dark screen.
	Invert bool
	// Surround (0..1) brightens what is around the phone (a window, a lit
	// wall behind it) and darkens the phone as auto-exposure does.
	Surround float64
}

// Limits of FrameOptions.
const (
	MaxFrameSide = 4096
	maxBlur      = 20
)

func (o FrameOptions) size() (int, int) {
	w, h := o.W, o.H
	if w == 0 && h == 0 {
		return 1280, 720
	}
	return w, h
}

func (o FrameOptions) check() error {
	w, h := o.size()
	bad := func(what string, v any) error {
		return fmt.Errorf("qrimage: frame %s %v: %w", what, v, ErrBadOptions)
	}
	switch {
	case w < 16 || h < 16 || w > MaxFrameSide || h > MaxFrameSide:
		return bad("size", fmt.Sprintf("%d×%d", w, h))
	case o.ModulePx < 0 || o.ModulePx > MaxModulePx || math.IsNaN(o.ModulePx):
		return bad("module size", o.ModulePx)
	case o.Perspective < 0 || o.Perspective > 60 || math.IsNaN(o.Perspective):
		return bad("perspective", o.Perspective)
	case math.IsNaN(o.Rotation) || math.IsInf(o.Rotation, 0):
		return bad("rotation", o.Rotation)
	case o.Blur < 0 || o.Blur > maxBlur || math.IsNaN(o.Blur):
		return bad("blur", o.Blur)
	case o.Noise < 0 || o.Noise > 128 || math.IsNaN(o.Noise):
		return bad("noise", o.Noise)
	case o.Contrast < 0 || o.Contrast > 4 || math.IsNaN(o.Contrast):
		return bad("contrast", o.Contrast)
	case o.Glare < 0 || o.Glare > 1 || math.IsNaN(o.Glare):
		return bad("glare", o.Glare)
	case o.JPEG < 0 || o.JPEG > 100:
		return bad("JPEG quality", o.JPEG)
	case o.Focal != 0 && (o.Focal < 100 || o.Focal > 100000) || math.IsNaN(o.Focal):
		return bad("focal", o.Focal)
	case o.QuietZone < 0 || o.QuietZone > MaxQuietZone || math.IsNaN(o.QuietZone):
		return bad("quiet zone", o.QuietZone)
	case o.Surround < 0 || o.Surround > 1 || math.IsNaN(o.Surround):
		return bad("surround", o.Surround)
	}
	return nil
}

// Mild returns the options of an easy webcam frame: a phone held fairly
// square at a comfortable distance, slight blur and noise. The seed picks
// the exact angles within the preset's ranges.
func Mild(seed uint64) FrameOptions {
	r := rand.New(rand.NewPCG(seed, 0x6d696c64))
	return FrameOptions{
		ModulePx:    5 + r.Float64(),
		Rotation:    r.Float64()*30 - 15,
		Perspective: r.Float64() * 12,
		Blur:        0.6 + 0.4*r.Float64(),
		Noise:       3 + 2*r.Float64(),
		Contrast:    0.75 + 0.15*r.Float64(),
		Glare:       0.1 * r.Float64(),
		JPEG:        85,
		Seed:        seed,
	}
}

// Hard returns the options of a difficult webcam frame: 4 px modules, any
// rotation, marked tilt, blur, noise, low contrast and glare, JPEG
// compressed. Readers are not expected to read all of them.
func Hard(seed uint64) FrameOptions {
	r := rand.New(rand.NewPCG(seed, 0x68617264))
	return FrameOptions{
		ModulePx:    4,
		Rotation:    r.Float64() * 360,
		Perspective: 8 + 14*r.Float64(),
		Blur:        0.9 + 0.4*r.Float64(),
		Noise:       5 + 4*r.Float64(),
		Contrast:    0.45 + 0.15*r.Float64(),
		Glare:       0.15 + 0.2*r.Float64(),
		JPEG:        75,
		Seed:        seed,
	}
}

// Frame renders text as a QR code on a phone screen in a generated scene
// and returns the grey frame (see FrameOptions).
func Frame(text string, opts FrameOptions) (*image.Gray, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	code, err := NewCode(text, Options{})
	if err != nil {
		return nil, err
	}
	return code.Frame(opts)
}

// Frame renders the code in a generated scene (see the package function
// Frame).
func (c *Code) Frame(opts FrameOptions) (*image.Gray, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	w, h := opts.size()
	r := newRand(opts.Seed)
	mod := opts.ModulePx
	if mod == 0 {
		mod = DefaultModulePx
	}
	n := float64(c.Symbol.Modules)
	half := n * mod / 2 // half the symbol side, plane units (pixels when facing)

	// Phone geometry in plane units, the symbol centred at the origin. The
	// screen leaves a margin of about 3 modules beside the symbol; the app
	// shows the code in the upper half of a tall screen.
	screenHalfW := half + 3*mod + 0.08*half
	screenTop, screenBottom := -half-0.45*half, half+1.4*half
	bezel := 0.07 * screenHalfW
	corner := 0.12 * screenHalfW

	// Camera: a pinhole of focal f looking at a plane at distance f, so one
	// plane unit is one pixel when the phone faces the camera.
	f := 1200.0
	if opts.Focal > 0 {
		f = opts.Focal
	}
	tilt := opts.Perspective * math.Pi / 180
	axis := r.Float64() * 2 * math.Pi
	rot := opts.Rotation * math.Pi / 180
	// Place the symbol's centre so that it stays in the frame where possible.
	cx := float64(w)/2 + (r.Float64()-0.5)*math.Max(0, float64(w)-2.2*half)*0.6
	cy := float64(h)/2 + (r.Float64()-0.5)*math.Max(0, float64(h)-2.2*half)*0.6

	// e1, e2: the plane's axes after rotation about the view axis and a tilt
	// about an in-plane axis at angle `axis`.
	e1, e2 := planeAxes(rot, tilt, axis)
	// Homography from plane (u, v, 1) to image: K·[e1 e2 C], C = (0, 0, f).
	hm := [9]float64{
		f*e1[0] + cx*e1[2], f*e2[0] + cx*e2[2], cx * f,
		f*e1[1] + cy*e1[2], f*e2[1] + cy*e2[2], cy * f,
		e1[2], e2[2], f,
	}
	inv, ok := invert3(hm)
	if !ok {
		return nil, fmt.Errorf("qrimage: degenerate camera pose: %w", ErrBadOptions)
	}

	sc := newScene(w, h, r)
	if opts.Surround > 0 {
		for i, v := range sc.pix {
			sc.pix[i] = v*(1-opts.Surround) + 252*opts.Surround
		}
	}
	// Screen colours: light ~225, dark ~35 (a lit screen seen by a camera
	// never reaches pure white or black); phone body dark grey.
	screenLight, screenDark, body := 226.0, 34.0, 28.0
	chrome, stripe := 170.0, 90.0
	q := 4.0 // quiet zone always shown by the app, in modules
	card := false
	if opts.QuietZone > 0 && opts.QuietZone < 4 {
		q, card = opts.QuietZone, true
	}
	if opts.Invert { // dark mode: the screen's light and dark swap
		screenLight, screenDark, chrome, stripe = screenDark, screenLight, 60, 150
	}
	if opts.Surround > 0 { // auto-exposure on a bright surround
		k := 1 - 0.45*opts.Surround
		screenLight, screenDark, body, chrome, stripe = screenLight*k, screenDark*k, body*k, chrome*k, stripe*k
	}

	plane := func(u, v float64) (float64, bool) {
		ax, ay := math.Abs(u), v
		outer := screenHalfW + bezel
		if ax > outer || ay < screenTop-bezel || ay > screenBottom+bezel {
			return 0, false
		}
		// Rounded corners of the phone body.
		if inCorner(ax, ay, outer, screenTop-bezel, screenBottom+bezel, corner+bezel) {
			return 0, false
		}
		if ax > screenHalfW || ay < screenTop || ay > screenBottom ||
			inCorner(ax, ay, screenHalfW, screenTop, screenBottom, corner) {
			return body, true
		}
		mx, my := (u+half)/mod, (v+half)/mod
		if mx >= -q && my >= -q && mx < n+q && my < n+q {
			if c.Dark(int(math.Floor(mx)), int(math.Floor(my))) {
				return screenDark, true
			}
			return screenLight, true
		}
		if card {
			return screenDark + 10, true
		}
		// App chrome: a header band and a text-like stripe below the code.
		if v < -half-q*mod-0.2*half {
			return chrome, true
		}
		if v > half+(q+3)*mod && v < half+(q+5)*mod && math.Abs(u) < half*0.7 {
			if int(math.Floor(u/(mod*1.3)))%3 != 0 {
				return stripe, true
			}
		}
		return screenLight - 6, true
	}

	img := image.NewGray(image.Rect(0, 0, w, h))
	buf := make([]float64, w*h)
	// 2×2 supersampling: edges are anti-aliased as a lens would.
	offs := [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			sum := 0.0
			for _, o := range offs {
				px, py := float64(x)+o[0], float64(y)+o[1]
				den := inv[6]*px + inv[7]*py + inv[8]
				u := (inv[0]*px + inv[1]*py + inv[2]) / den
				v := (inv[3]*px + inv[4]*py + inv[5]) / den
				if val, in := plane(u, v); in && den > 0 {
					sum += val
				} else {
					sum += sc.at(x, y)
				}
			}
			buf[y*w+x] = sum / 4
		}
	}

	if opts.Glare > 0 {
		// A soft specular spot somewhere on the screen, plus a faint sheen.
		gu := (r.Float64() - 0.5) * 1.6 * screenHalfW
		gv := screenTop + r.Float64()*(screenBottom-screenTop)*0.6
		gr := half * (0.35 + 0.4*r.Float64())
		amp := opts.Glare * 230
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				px, py := float64(x)+0.5, float64(y)+0.5
				den := inv[6]*px + inv[7]*py + inv[8]
				u := (inv[0]*px + inv[1]*py + inv[2]) / den
				v := (inv[3]*px + inv[4]*py + inv[5]) / den
				if _, in := plane(u, v); !in {
					continue
				}
				d2 := ((u-gu)*(u-gu) + (v-gv)*(v-gv)) / (gr * gr)
				buf[y*w+x] += amp*math.Exp(-d2) + amp*0.1
			}
		}
	}
	if opts.Blur > 0 {
		gaussBlur(buf, w, h, opts.Blur)
	}
	contrast := opts.Contrast
	if contrast == 0 {
		contrast = 1
	}
	// Vignetting and exposure offset: cheap webcams darken the corners.
	expo := (r.Float64() - 0.5) * 30
	for y := 0; y < h; y++ {
		dy := (float64(y) - float64(h)/2) / float64(h)
		for x := 0; x < w; x++ {
			dx := (float64(x) - float64(w)/2) / float64(w)
			v := buf[y*w+x] * (1 - 0.35*(dx*dx+dy*dy))
			v = 128 + (v-128)*contrast + expo
			if opts.Noise > 0 {
				v += r.NormFloat64() * opts.Noise
			}
			img.Pix[y*img.Stride+x] = clamp8(v)
		}
	}
	if opts.JPEG > 0 {
		var jb bytes.Buffer
		if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: opts.JPEG}); err != nil {
			return nil, fmt.Errorf("qrimage: jpeg: %w", err)
		}
		dec, err := jpeg.Decode(&jb)
		if err != nil {
			return nil, fmt.Errorf("qrimage: jpeg: %w", err)
		}
		g, ok := dec.(*image.Gray)
		if !ok {
			return nil, fmt.Errorf("qrimage: jpeg gave %T", dec)
		}
		img = g
	}
	return img, nil
}

// planeAxes returns the image-space directions of the plane's u and v axes
// for an in-plane rotation rot and a tilt by angle tilt about the in-plane
// axis at angle axis.
func planeAxes(rot, tilt, axis float64) (e1, e2 [3]float64) {
	// Rodrigues rotation about k = (cos axis, sin axis, 0) by tilt, after
	// rotation by rot about z.
	k := [3]float64{math.Cos(axis), math.Sin(axis), 0}
	rotate := func(p [3]float64) [3]float64 {
		c, s := math.Cos(tilt), math.Sin(tilt)
		kxp := [3]float64{k[1]*p[2] - k[2]*p[1], k[2]*p[0] - k[0]*p[2], k[0]*p[1] - k[1]*p[0]}
		kdp := k[0]*p[0] + k[1]*p[1] + k[2]*p[2]
		var out [3]float64
		for i := range out {
			out[i] = p[i]*c + kxp[i]*s + k[i]*kdp*(1-c)
		}
		return out
	}
	cr, sr := math.Cos(rot), math.Sin(rot)
	return rotate([3]float64{cr, sr, 0}), rotate([3]float64{-sr, cr, 0})
}

func invert3(m [9]float64) ([9]float64, bool) {
	a, b, c := m[0], m[1], m[2]
	d, e, f := m[3], m[4], m[5]
	g, h, i := m[6], m[7], m[8]
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	det := a*A + b*B + c*C
	if math.Abs(det) < 1e-12 {
		return [9]float64{}, false
	}
	return [9]float64{
		A / det, -(b*i - c*h) / det, (b*f - c*e) / det,
		B / det, (a*i - c*g) / det, -(a*f - c*d) / det,
		C / det, -(a*h - b*g) / det, (a*e - b*d) / det,
	}, true
}

// inCorner reports whether (ax, ay), ax ≥ 0, lies in the cut-off part of a
// rounded corner of radius rad of the rectangle |u| ≤ halfW, top ≤ v ≤ bottom.
func inCorner(ax, ay, halfW, top, bottom, rad float64) bool {
	cx := halfW - rad
	if ax <= cx {
		return false
	}
	var cy float64
	switch {
	case ay < top+rad:
		cy = top + rad
	case ay > bottom-rad:
		cy = bottom - rad
	default:
		return false
	}
	return (ax-cx)*(ax-cx)+(ay-cy)*(ay-cy) > rad*rad
}

func clamp8(v float64) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// scene is the background behind the phone: a shaded desk with a few
// objects (rectangles of other greys, a keyboard-like grid, paper lines).
type scene struct {
	w, h  int
	pix   []float64
	phase [6]float64
}

func newScene(w, h int, r *rand.Rand) *scene {
	s := &scene{w: w, h: h, pix: make([]float64, w*h)}
	for i := range s.phase {
		s.phase[i] = r.Float64() * 2 * math.Pi
	}
	base := 90 + 60*r.Float64()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := base + 25*math.Sin(2.1*fx*math.Pi+s.phase[0])*math.Cos(1.3*fy*math.Pi+s.phase[1]) +
				8*math.Sin(9*fx*math.Pi+s.phase[2]+3*fy)
			s.pix[y*w+x] = v
		}
	}
	// Objects on the desk.
	for k := 0; k < 6; k++ {
		x0, y0 := r.IntN(w), r.IntN(h)
		rw, rh := w/12+r.IntN(w/4+1), h/12+r.IntN(h/4+1)
		val := 30 + 200*r.Float64()
		kind := r.IntN(3)
		for y := y0; y < min(h, y0+rh); y++ {
			for x := x0; x < min(w, x0+rw); x++ {
				switch kind {
				case 0: // plain box
					s.pix[y*w+x] = val
				case 1: // keyboard: keys on a grid
					if (x-x0)%24 < 20 && (y-y0)%24 < 20 {
						s.pix[y*w+x] = val
					} else {
						s.pix[y*w+x] = val * 0.4
					}
				default: // paper with printed lines
					if (y-y0)%14 < 2 && (x-x0)%90 < 70 {
						s.pix[y*w+x] = 60
					} else {
						s.pix[y*w+x] = 215
					}
				}
			}
		}
	}
	return s
}

func (s *scene) at(x, y int) float64 { return s.pix[y*s.w+x] }

// gaussBlur blurs buf (w×h) in place with a separable Gaussian of the given
// sigma, clamping at the edges.
func gaussBlur(buf []float64, w, h int, sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float64, max(w, h))
	for y := 0; y < h; y++ {
		row := buf[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			acc := 0.0
			for i, kv := range k {
				xx := min(max(x+i-rad, 0), w-1)
				acc += kv * row[xx]
			}
			tmp[x] = acc
		}
		copy(row, tmp[:w])
	}
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			acc := 0.0
			for i, kv := range k {
				yy := min(max(y+i-rad, 0), h-1)
				acc += kv * buf[yy*w+x]
			}
			tmp[y] = acc
		}
		for y := 0; y < h; y++ {
			buf[y*w+x] = tmp[y]
		}
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6672616d65)) }
