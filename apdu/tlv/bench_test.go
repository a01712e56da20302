package tlv

import "testing"

var (
	sinkInt   int
	sinkBytes []byte
)

// fixture300 builds a nested FCI-like structure of about 300 bytes.
func fixture300() []byte {
	var b Builder
	b.AddTLV(0x6F, func(b *Builder) {
		b.AddTLVBytes(0x84, []byte{0xA0, 0x00, 0x00, 0x06, 0x10, 0x41, 0x70, 0x43, 0x56})
		b.AddTLV(0xA5, func(b *Builder) {
			b.AddTLVBytes(0x50, []byte("appli carte Vitale"))
			b.AddTLVBytes(0x5F2D, []byte("fren"))
			b.AddTLV(0xBF0C, func(b *Builder) {
				for i := range 8 {
					b.AddTLV(0x61, func(b *Builder) {
						b.AddTLVBytes(0x9F8102, []byte{byte(i)})
						b.AddTLVBytes(0x53, make([]byte, 14))
					})
				}
			})
		})
		b.AddTLV(0x7F49, func(b *Builder) {
			b.AddTLVBytes(0x86, make([]byte, 65))
		})
	})
	out, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return out
}

// walk visits every data object, descending into constructed ones, and
// returns how many it read.
func walk(s String) (int, bool) {
	n := 0
	for !s.Empty() {
		var tag Tag
		var v String
		if !s.ReadTLV(&tag, &v) {
			return n, false
		}
		n++
		if tag.Constructed() {
			k, ok := walk(v)
			if !ok {
				return n, false
			}
			n += k
		}
	}
	return n, true
}

func TestFixture300(t *testing.T) {
	in := fixture300()
	if len(in) < 280 || len(in) > 340 {
		t.Fatalf("fixture is %d bytes, want about 300", len(in))
	}
	if n, ok := walk(in); !ok || n != 1+1+1+1+1+1+8*3+1+1 {
		t.Fatalf("walk = %d objects, %v", n, ok)
	}
}

func BenchmarkParseNested300(b *testing.B) {
	in := fixture300()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		n, ok := walk(in)
		if !ok {
			b.Fatal("walk failed")
		}
		sinkInt = n
	}
}

func BenchmarkBuildNested300(b *testing.B) {
	n := len(fixture300())
	buf := make([]byte, 0, n)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		bl := Builder{buf: buf[:0]}
		bl.AddTLV(0x6F, func(b *Builder) {
			b.AddTLVBytes(0x84, []byte{0xA0, 0x00, 0x00, 0x06, 0x10, 0x41, 0x70, 0x43, 0x56})
			b.AddTLV(0xA5, func(b *Builder) {
				b.AddTLVBytes(0x50, []byte("appli carte Vitale"))
				b.AddTLVBytes(0x5F2D, []byte("fren"))
				b.AddTLV(0xBF0C, func(b *Builder) {
					for i := range 8 {
						b.AddTLV(0x61, func(b *Builder) {
							b.AddTLVBytes(0x9F8102, []byte{byte(i)})
							b.AddTLVBytes(0x53, zeros14[:])
						})
					}
				})
			})
			b.AddTLV(0x7F49, func(b *Builder) { b.AddTLVBytes(0x86, zeros65[:]) })
		})
		out, err := bl.Bytes()
		if err != nil || len(out) != n {
			b.Fatalf("built %d bytes, %v", len(out), err)
		}
		sinkBytes = out
	}
}

var (
	zeros14 [14]byte
	zeros65 [65]byte
)

func BenchmarkFind(b *testing.B) {
	in := fixture300()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := Find(in, 0x6F, 0x7F49, 0x86)
		if err != nil {
			b.Fatal(err)
		}
		sinkBytes = v
	}
}
