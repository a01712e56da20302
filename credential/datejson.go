package credential

// ParseDateJSON parses a date of the JSON form ("YYYY-MM-DD", month and day
// 00 when unknown), as FamilyJSON does; field names it in the *FieldError.
// Other packages' JSON forms (credential/rights) share it.
func ParseDateJSON(field, s string) (Date, error) { return parseDateJSON(field, s) }

// JSON returns d in the JSON form, "YYYY-MM-DD", or "" for the zero Date.
func (d Date) JSON() string { return dateJSON(d) }
