// Package jsonw appends JSON values to a byte slice as encoding/json's
// Marshal writes them, for the direct encoders of the identity JSON
// (reader.Identity.AppendJSON, reader.IdentityJSON.AppendJSON,
// credential.AppendFamilyJSON).
//
//	dst = jsonw.AppendString(append(dst, `{"nom":`...), nom)
package jsonw
