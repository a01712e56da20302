package camera

// homography is a plane projective transform, ZXing's PerspectiveTransform
// as a value: (x, y) maps to ((a11·x + a21·y + a31) / d, (a12·x + a22·y +
// a32) / d) with d = a13·x + a23·y + a33. gozxing's allocates four objects
// per transform; the resample rescue builds thousands per frame while it
// fits the fourth corner.
type homography struct {
	a11, a12, a13, a21, a22, a23, a31, a32, a33 float64
}

// quadToQuad maps the quadrilateral (x0,y0)…(x3,y3) onto (u0,v0)…(u3,v3).
func quadToQuad(x0, y0, x1, y1, x2, y2, x3, y3, u0, v0, u1, v1, u2, v2, u3, v3 float64) homography {
	return squareToQuad(u0, v0, u1, v1, u2, v2, u3, v3).times(squareToQuad(x0, y0, x1, y1, x2, y2, x3, y3).adjoint())
}

// squareToQuad maps the unit square (0,0), (1,0), (1,1), (0,1) onto the
// quadrilateral.
func squareToQuad(x0, y0, x1, y1, x2, y2, x3, y3 float64) homography {
	dx3, dy3 := x0-x1+x2-x3, y0-y1+y2-y3
	if dx3 == 0 && dy3 == 0 { // affine
		return homography{x1 - x0, y1 - y0, 0, x2 - x1, y2 - y1, 0, x0, y0, 1}
	}
	dx1, dx2, dy1, dy2 := x1-x2, x3-x2, y1-y2, y3-y2
	den := dx1*dy2 - dx2*dy1
	a13 := (dx3*dy2 - dx2*dy3) / den
	a23 := (dx1*dy3 - dx3*dy1) / den
	return homography{x1 - x0 + a13*x1, y1 - y0 + a13*y1, a13, x3 - x0 + a23*x3, y3 - y0 + a23*y3, a23, x0, y0, 1}
}

// adjoint is the inverse up to a scale factor, which a homography ignores.
func (h homography) adjoint() homography {
	return homography{
		a11: h.a22*h.a33 - h.a23*h.a32, a21: h.a23*h.a31 - h.a21*h.a33, a31: h.a21*h.a32 - h.a22*h.a31,
		a12: h.a13*h.a32 - h.a12*h.a33, a22: h.a11*h.a33 - h.a13*h.a31, a32: h.a12*h.a31 - h.a11*h.a32,
		a13: h.a12*h.a23 - h.a13*h.a22, a23: h.a13*h.a21 - h.a11*h.a23, a33: h.a11*h.a22 - h.a12*h.a21,
	}
}

// times is h after o.
func (h homography) times(o homography) homography {
	return homography{
		a11: h.a11*o.a11 + h.a21*o.a12 + h.a31*o.a13, a21: h.a11*o.a21 + h.a21*o.a22 + h.a31*o.a23, a31: h.a11*o.a31 + h.a21*o.a32 + h.a31*o.a33,
		a12: h.a12*o.a11 + h.a22*o.a12 + h.a32*o.a13, a22: h.a12*o.a21 + h.a22*o.a22 + h.a32*o.a23, a32: h.a12*o.a31 + h.a22*o.a32 + h.a32*o.a33,
		a13: h.a13*o.a11 + h.a23*o.a12 + h.a33*o.a13, a23: h.a13*o.a21 + h.a23*o.a22 + h.a33*o.a23, a33: h.a13*o.a31 + h.a23*o.a32 + h.a33*o.a33,
	}
}

// apply maps (x, y).
func (h homography) apply(x, y float64) (float64, float64) {
	d := h.a13*x + h.a23*y + h.a33
	return (h.a11*x + h.a21*y + h.a31) / d, (h.a12*x + h.a22*y + h.a32) / d
}
