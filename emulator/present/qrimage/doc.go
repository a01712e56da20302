// Package qrimage renders texts as QR codes, the way the emulated phone
// presents its ApCV code: as an image, a PNG, a terminal drawing, or a
// generated webcam frame of a phone held in front of a camera.
//
//	img, sym, err := qrimage.Encode(text, qrimage.Options{ModulePx: 6})
//	frame, err := qrimage.Frame(text, qrimage.Mild(seed))
//
// ApCV texts are credential.QRPrefix followed by Base45, whose alphabet is the
// QR alphanumeric set, so the encoder uses alphanumeric mode (5.5 bits per
// character): at level M a 480-character text needs version 13 and a
// 960-character text version 20, within the version 25 a phone screen shows
// crisply.
//
// Frame draws a phone (body, screen, app chrome) showing the code in a desk
// scene, through a pinhole camera with in-plane rotation and out-of-plane
// tilt, 2×2 supersampled, then applies glare, Gaussian blur, vignetting,
// contrast loss, sensor noise and JPEG compression. Everything derives from
// FrameOptions.Seed: the same options give the same pixels. Mild and Hard
// are the two presets the camera package's corpus and benchmarks use.
package qrimage
