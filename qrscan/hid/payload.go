package hid

import "github.com/apcvkit/apcvkit/credential"

var prefix = []byte(credential.QRPrefix)
