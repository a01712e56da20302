package pcsctest

import (
	"bytes"
	"context"
	"testing"
)

func TestCard(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cmds [][]byte
		want []byte // answer to the last command
	}{
		{"select", [][]byte{SelectCommand()}, []byte{0x90, 0x00}},
		{"select other AID", [][]byte{Command(InsSelect, 4, 0, []byte{0xA0, 0})}, []byte{0x6A, 0x82}},
		{"echo unselected", [][]byte{Command(InsEcho, 0, 0, []byte{1})}, []byte{0x69, 0x85}},
		{"echo", [][]byte{SelectCommand(), Command(InsEcho, 0, 0, []byte{1, 2})}, []byte{1, 2, 0x90, 0x00}},
		{"echo extended", [][]byte{SelectCommand(), Command(InsEcho, 0, 0, bytes.Repeat([]byte{7}, 300))}, append(bytes.Repeat([]byte{7}, 300), 0x90, 0x00)},
		{"big at once", [][]byte{SelectCommand(), BigCommand(3, false)}, append(Pattern(3), 0x90, 0x00)},
		{"big chained, first", [][]byte{SelectCommand(), BigCommand(300, true)}, append(Pattern(256), 0x61, 44)},
		{"big chained, last", [][]byte{SelectCommand(), BigCommand(300, true), {0, InsGetResponse, 0, 0, 44}}, append(Pattern(300)[256:], 0x90, 0x00)},
		{"chain broken by another command", [][]byte{SelectCommand(), BigCommand(300, true), SelectCommand(), {0, InsGetResponse, 0, 0, 0}}, []byte{0x69, 0x85}},
		{"big bad P1", [][]byte{SelectCommand(), Command(InsBig, 2, 0, []byte{0, 0, 0, 1})}, []byte{0x6B, 0x00}},
		{"big bad length field", [][]byte{SelectCommand(), Command(InsBig, 0, 0, []byte{1})}, []byte{0x67, 0x00}},
		{"big too big", [][]byte{SelectCommand(), BigCommand(1<<24+1, false)}, []byte{0x6A, 0x80}},
		{"unknown INS", [][]byte{SelectCommand(), Command(0x42, 0, 0, nil)}, []byte{0x6D, 0x00}},
		{"too short", [][]byte{{0x00, 0xA4, 0x04}}, []byte{0x67, 0x00}},
		{"Lc longer than data", [][]byte{{0x00, 0xEE, 0, 0, 5, 1, 2}}, []byte{0x67, 0x00}},
		{"extended Lc zero", [][]byte{{0x00, 0xEE, 0, 0, 0, 0, 0, 1}}, []byte{0x67, 0x00}},
		{"truncated extended header", [][]byte{{0x00, 0xEE, 0, 0, 0, 1}}, []byte{0x67, 0x00}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Card
			var got []byte
			for _, cmd := range tc.cmds {
				var err error
				if got, err = c.Transmit(ctx, cmd); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tc.want) {
				t.Errorf("answer %X, want %X", got, tc.want)
			}
		})
	}
	var c Card
	c.Transmit(ctx, SelectCommand())
	c.Reset()
	if got, _ := c.Transmit(ctx, Command(InsEcho, 0, 0, []byte{1})); !bytes.Equal(got, []byte{0x69, 0x85}) || c.Resets() != 1 {
		t.Errorf("after Reset: %X, %d resets", got, c.Resets())
	}
	if _, err := c.Transmit(ctx, Command(InsFail, 0, 0, nil)); err != ErrCardFailed {
		t.Errorf("InsFail: %v", err)
	}
}

// FuzzCard: the test card's parser never panics and always answers a status
// word.
func FuzzCard(f *testing.F) {
	for _, seed := range [][]byte{SelectCommand(), BigCommand(300, true), Command(InsEcho, 0, 0, bytes.Repeat([]byte{1}, 300)), {0, 0xEE, 0, 0, 0, 0, 0, 1}, {0, 1, 2}, nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, cmd []byte) {
		var c Card
		c.Transmit(context.Background(), SelectCommand())
		rsp, err := c.Transmit(context.Background(), cmd)
		if err == nil && len(rsp) < 2 {
			t.Fatalf("answer %X has no status word", rsp)
		}
	})
}
