package link

import "github.com/sigurn/crc16"

// crcTable is CRC_A of ISO/IEC 14443-3 Annex B: polynomial x^16+x^12+x^5+1,
// reflected, initial register 0x6363 (0xC6C6 in the non-reflected form
// sigurn/crc16 keeps), no final XOR. The RevEng catalogue calls it
// CRC-16/ISO-IEC-14443-3-A; sigurn/crc16 calls it CRC-16/CRC-A.
var crcTable = crc16.MakeTable(crc16.CRC16_CRC_A)

// CRCA returns CRC_A of data. On the air it follows the data least
// significant byte first: CRCA(00 00) = 0x1EA0 is sent as A0 1E.
func CRCA(data []byte) uint16 { return crc16.Checksum(data, crcTable) }

// appendCRC appends CRC_A of dst[start:] to dst, low byte first.
func appendCRC(dst []byte, start int) []byte {
	c := CRCA(dst[start:])
	return append(dst, byte(c), byte(c>>8))
}

// checkCRC returns frame without its two CRC_A bytes, or an error when the
// frame is too short to hold them or they do not match.
func checkCRC(frame []byte) ([]byte, error) {
	if len(frame) < 3 {
		return nil, ErrShortFrame
	}
	body := frame[:len(frame)-2]
	c := CRCA(body)
	if frame[len(frame)-2] != byte(c) || frame[len(frame)-1] != byte(c>>8) {
		return nil, ErrBadCRC
	}
	return body, nil
}
