package camera_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/apcvkit/apcvkit/credential"
	"github.com/apcvkit/apcvkit/emulator/present/qrimage"
	"github.com/apcvkit/apcvkit/qrscan/camera"
)

// Render an ApCV text as the phone shows it, then read it back as a
// camera frame would be.
func Example() {
	text := credential.QRPrefix + "6BFOXN*TS0BI$ZD.P9UOL97O4-2HH77HRM3DSPTOK8S7SCM+N.ZK05LW0"
	img, sym, err := qrimage.Encode(text, qrimage.Options{ModulePx: 4})
	if err != nil {
		panic(err)
	}
	scan, err := camera.Decode(context.Background(), camera.FromImage(img))
	if err != nil {
		panic(err)
	}
	fmt.Println("version", sym.Version, sym.Mode)
	fmt.Println(scan.Text == text, strings.HasPrefix(scan.Text, credential.QRPrefix), scan.Symbology)
	// Output:
	// version 4 alphanumeric
	// true true ]Q1
}

// Read ApCV codes from generated webcam frames through a Source, the way
// a webcam backend is used.
func ExampleNewSource() {
	text := credential.QRPrefix + "NCFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N IOP-IA%NFQGRJPC%OQHIZC4.OI1RM8ZA.A5:S9MKN02/5UO4"
	frames, err := qrimage.FrameSource(text, 2, qrimage.Mild)
	if err != nil {
		panic(err)
	}
	src := camera.NewSource(frames, camera.SourceOptions{})
	defer src.Close()
	scan, err := src.Next(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(scan.Text == text, scan.Source)
	// Output: true camera
}
