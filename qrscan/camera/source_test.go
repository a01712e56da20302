package camera_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

func writePNG(t *testing.T, p string, img image.Image) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSource(t *testing.T) {
	apcv := base45Text(7, 480)
	blank, err := qrimage.BlankFrame(qrimage.FrameOptions{W: 320, H: 240, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	code := cleanImage(t, apcv, 2)
	short := "APCV2:" + base45Text(8, 48)[6:] // the form of a short QR text (protocol version 2)
	shortCode := cleanImage(t, short, 3)
	foreign := cleanImage(t, "WIFI:S:cabinet;T:WPA;P:secret;;", 3)
	foreign2 := cleanImage(t, "https://example.org/", 3)
	errFrame := errors.New("usb glitch")
	type step struct {
		text string // expected scan text, or ""
		err  error  // expected error
	}
	tests := []struct {
		name   string
		frames []any // image.Image or error
		steps  []step
		stats  camera.Stats
	}{
		{"code after empty frames", []any{blank, blank, code},
			[]step{{text: apcv}, {err: io.EOF}},
			camera.Stats{Frames: 3, NoCode: 2, Scans: 1}},
		{"short QR", []any{blank, shortCode, code},
			[]step{{text: short}, {text: apcv}, {err: io.EOF}},
			camera.Stats{Frames: 3, NoCode: 1, Scans: 2}},
		{"foreign code reported once", []any{foreign, foreign, foreign, code},
			[]step{{err: qrscan.ErrNotApCV}, {text: apcv}},
			camera.Stats{Frames: 4, NotApCV: 3, Scans: 1}},
		{"two foreign codes", []any{foreign, foreign2, foreign},
			[]step{{err: qrscan.ErrNotApCV}, {err: qrscan.ErrNotApCV}, {err: qrscan.ErrNotApCV}, {err: io.EOF}},
			camera.Stats{Frames: 3, NotApCV: 3}},
		{"frame errors counted", []any{errFrame, blank, errFrame, code},
			[]step{{text: apcv}},
			camera.Stats{Frames: 2, FrameErrors: 2, NoCode: 1, Scans: 1}},
		{"malformed frame counted", []any{camera.Frame{Format: camera.Gray, Width: 9, Height: 9}, code},
			[]step{{text: apcv}},
			camera.Stats{Frames: 2, FrameErrors: 1, Scans: 1}},
		{"device gone", []any{blank, fmt.Errorf("v4l2: %w", qrscan.ErrDeviceGone)},
			[]step{{err: qrscan.ErrDeviceGone}},
			camera.Stats{Frames: 1, NoCode: 1}},
		{"no frames", nil,
			[]step{{err: qrscan.ErrNoCode}},
			camera.Stats{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := camera.Func(func(_ context.Context, i int) (camera.Frame, error) {
				if i >= len(tt.frames) {
					return camera.Frame{}, io.EOF
				}
				switch v := tt.frames[i].(type) {
				case error:
					return camera.Frame{}, v
				case camera.Frame:
					return v, nil
				default:
					return camera.FromImage(v.(image.Image)), nil
				}
			})
			src := camera.NewSource(fs, noBudget)
			defer src.Close()
			for i, st := range tt.steps {
				scan, err := src.Next(context.Background())
				if st.err != nil {
					if !errors.Is(err, st.err) {
						t.Fatalf("step %d: err = %v, want %v", i, err, st.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if scan.Text != st.text || scan.Source != "camera" || scan.Symbology != "]Q1" {
					t.Fatalf("step %d: scan %q… from %q", i, scan.Text[:min(len(scan.Text), 12)], scan.Source)
				}
			}
			got := src.Stats()
			got.ByStrategy, got.Decoding = nil, 0
			if !reflect.DeepEqual(got, tt.stats) {
				t.Errorf("stats %+v, want %+v", got, tt.stats)
			}
		})
	}
}

// TestSourceReusesBuffers: a stream of 1280×720 frames is decoded with the
// buffers of the previous frame (binarized matrices, the halved plane):
// what each frame leaves to the collector is a small part of what those
// buffers weigh (about 400 KB).
func TestSourceReusesBuffers(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	text := base45Text(1, 480)
	img := frame(t, text, qrimage.Mild(1))
	const frames = 20
	src := camera.NewSource(camera.Func(func(_ context.Context, i int) (camera.Frame, error) {
		if i >= frames {
			return camera.Frame{}, io.EOF
		}
		return camera.FromImage(img), nil
	}), camera.SourceOptions{})
	defer src.Close()
	ctx := context.Background()
	if _, err := src.Next(ctx); err != nil { // the first frame allocates the buffers
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range frames - 1 {
		scan, err := src.Next(ctx)
		if err != nil || scan.Text != text {
			t.Fatalf("%v", err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / (frames - 1); per > 150_000 {
		t.Errorf("%d bytes allocated per frame, want under 150 KB", per)
	}
}

func TestSourceKeepsTryingUntilContext(t *testing.T) {
	blank, err := qrimage.BlankFrame(qrimage.FrameOptions{W: 160, H: 120, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	// ctx ends when the camera serves its 5th frame, not after 300 ms: a
	// loaded machine may decode fewer than two frames in 300 ms. (The 30 s
	// deadline is a hang guard: Next must end with the cancellation.)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var served atomic.Int32
	fs := camera.Func(func(context.Context, int) (camera.Frame, error) {
		if served.Add(1) == 5 {
			cancel()
		}
		return camera.FromImage(blank), nil
	})
	src := camera.NewSource(fs, noBudget)
	_, err = src.Next(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if st := src.Stats(); st.NoCode < 2 || st.Frames < st.NoCode {
		t.Errorf("stats %+v: expected several empty frames", st)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, camera.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestSourceMaxFrameErrors(t *testing.T) {
	bad := errors.New("bad frame")
	fs := camera.Func(func(context.Context, int) (camera.Frame, error) { return camera.Frame{}, bad })
	src := camera.NewSource(fs, camera.SourceOptions{MaxFrameErrors: 5})
	defer src.Close()
	if _, err := src.Next(context.Background()); !errors.Is(err, bad) {
		t.Fatalf("err = %v", err)
	}
	if st := src.Stats(); st.FrameErrors != 5 {
		t.Fatalf("frame errors %d", st.FrameErrors)
	}
}

func TestDirSource(t *testing.T) {
	dir := t.TempDir()
	a, b := base45Text(10, 480), base45Text(11, 480)
	writePNG(t, filepath.Join(dir, "2.png"), cleanImage(t, b, 2))
	writePNG(t, filepath.Join(dir, "1.png"), cleanImage(t, a, 2))
	if err := os.WriteFile(filepath.Join(dir, "0.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs, err := camera.Dir(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := camera.NewSource(fs, noBudget)
	defer src.Close()
	for i, want := range []string{a, b} {
		scan, err := src.Next(context.Background())
		if err != nil || scan.Text != want {
			t.Fatalf("scan %d: %v", i, err)
		}
		if scan.Source != "camera:files" {
			t.Errorf("source %q", scan.Source)
		}
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) || !errors.Is(err, qrscan.ErrNoCode) {
		t.Fatalf("end: %v", err)
	}
	if st := src.Stats(); st.FrameErrors != 1 || st.Scans != 2 {
		t.Errorf("stats %+v", st)
	}
	if _, err := camera.Dir(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing directory: no error")
	}
	if _, err := camera.Files(filepath.Join(dir, "missing.png")).NextFrame(context.Background()); err == nil {
		t.Error("missing file: no error")
	}
}

func TestGeneratedSource(t *testing.T) {
	text := base45Text(12, 960)
	fs, err := qrimage.FrameSource(text, 3, func(i uint64) qrimage.FrameOptions { return qrimage.Mild(i + 1) })
	if err != nil {
		t.Fatal(err)
	}
	src := camera.NewSource(fs, noBudget)
	defer src.Close()
	for i := 0; i < 3; i++ {
		scan, err := src.Next(context.Background())
		if err != nil || scan.Text != text {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after 3 frames: %v", err)
	}
}

// noBudget: tests run on loaded machines and under the race detector; the
// per-frame budget is tested in TestDecodeFailures.
var noBudget = camera.SourceOptions{Decode: camera.DecodeOptions{Budget: -1}}
