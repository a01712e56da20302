package camera_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/apcvkit/apcvkit/apcverr"
	"github.com/apcvkit/apcvkit/qrscan"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// pngHeader returns a PNG signature, an IHDR chunk declaring w×h 8-bit
// gray pixels and an IEND chunk: a header without pixel data.
func pngHeader(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		var b []byte
		b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // depth 8, gray, deflate, filter 0, no interlace
	b := []byte("\x89PNG\r\n\x1a\n")
	b = append(b, chunk("IHDR", ihdr)...)
	return append(b, chunk("IEND", nil)...)
}

// TestImageFileErrors: each way an image file fails has its own error kind,
// seen through errors.Is and apcverr.Code both from the FileSource and at
// the end of a Source's frames (where the desk reads it).
func TestImageFileErrors(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := png.Encode(&good, cleanImage(t, base45Text(21, 200), 4)); err != nil {
		t.Fatal(err)
	}
	var goodJPEG bytes.Buffer
	if err := jpeg.Encode(&goodJPEG, image.NewGray(image.Rect(0, 0, 64, 64)), nil); err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(good.Bytes())
	corrupt[len(corrupt)/2] ^= 0xFF // a bad chunk checksum
	for _, tc := range []struct {
		name string
		data []byte // nil: no file at all
		size int64  // when set, the file is extended (sparse) to this size
		want *apcverr.Error
		also error // another error the chain must hold, if any
	}{
		{"missing", nil, 0, camera.ErrImageUnreadable, fs.ErrNotExist},
		{"empty", []byte{}, 0, camera.ErrImageUnreadable, nil},
		{"truncated PNG", good.Bytes()[:good.Len()/2], 0, camera.ErrImageUnreadable, nil},
		{"PNG signature only", good.Bytes()[:8], 0, camera.ErrImageUnreadable, nil},
		{"corrupt PNG", corrupt, 0, camera.ErrImageUnreadable, nil},
		{"truncated JPEG", goodJPEG.Bytes()[:goodJPEG.Len()/2], 0, camera.ErrImageUnreadable, nil},
		{"text", []byte("this is not an image\n"), 0, camera.ErrNotAnImage, image.ErrFormat},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), 0, camera.ErrNotAnImage, image.ErrFormat},
		{"100000×100000 PNG header", pngHeader(100000, 100000), 0, camera.ErrImageTooLarge, nil},
		{"wide PNG header", pngHeader(camera.MaxSide+1, 1), 0, camera.ErrImageTooLarge, nil},
		{"over the file size", pngHeader(8, 8), camera.MaxFileSize + 1, camera.ErrImageTooLarge, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".png")
			if tc.data != nil {
				if err := os.WriteFile(p, tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
				if tc.size > 0 {
					if err := os.Truncate(p, tc.size); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, err := camera.Files(p).NextFrame(context.Background())
			check := func(where string, err error) {
				t.Helper()
				if !errors.Is(err, tc.want) || apcverr.Code(err) != tc.want.Code {
					t.Fatalf("%s: %v (code %s), want %s", where, err, apcverr.Code(err), tc.want.Code)
				}
				if tc.also != nil && !errors.Is(err, tc.also) {
					t.Fatalf("%s: %v does not wrap %v", where, err, tc.also)
				}
				if apcverr.Message(err, apcverr.FR) != tc.want.FR {
					t.Fatalf("%s: desk message %q", where, apcverr.Message(err, apcverr.FR))
				}
			}
			check("NextFrame", err)
			src := camera.NewSource(camera.Files(p), noBudget)
			defer src.Close()
			_, err = src.Next(context.Background())
			if !errors.Is(err, io.EOF) || !errors.Is(err, qrscan.ErrNoCode) {
				t.Fatalf("Next: %v, want the end of frames", err)
			}
			check("Next", err)
		})
	}
	// A good file still reads; a bad one before it does not taint the
	// next call's end of frames.
	p := filepath.Join(dir, "good.png")
	if err := os.WriteFile(p, good.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	src := camera.NewSource(camera.Files(filepath.Join(dir, "text.png"), p), noBudget)
	defer src.Close()
	if scan, err := src.Next(context.Background()); err != nil || scan.Text != base45Text(21, 200) {
		t.Fatalf("good file after a bad one: %v", err)
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) || apcverr.Code(err) != qrscan.ErrNoCode.Code {
		t.Fatalf("end: %v (code %s), want %s", err, apcverr.Code(err), qrscan.ErrNoCode.Code)
	}
}
