// Package jsonw appends JSON values to a byte slice as encoding/json's
// Marshal writes them, for the direct encoder of the identity JSON
// (reader.Identity.AppendJSON, credential.AppendFamilyJSON).
//
//	dst = jsonw.AppendString(append(dst, `{"nom":`...), nom)
package jsonw
