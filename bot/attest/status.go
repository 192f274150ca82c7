package attest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/diagbot/diagbot/storage"
)

// ListEntries is the size of a status list: W3C Bitstring Status List asks
// for 16 KiB of bits at least (131,072 entries), so that one credential
// hides among many. Storage hands out random indexes in it.
const ListEntries = storage.StatusListEntries

// maxList bounds what DecodeList accepts: a list 64 times the minimum.
const maxList = 64 * ListEntries / 8

// EncodeList is the encodedList of a bitstring: "u" (multibase base64url)
// followed by the base64url, without padding, of its GZIP.
func EncodeList(bits []byte) (string, error) {
	if len(bits)*8 < ListEntries {
		return "", fmt.Errorf("attestation: a status list of %d entries is shorter than the %d the specification asks for", len(bits)*8, ListEntries)
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return "", err
	}
	if _, err := zw.Write(bits); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// DecodeList reverses EncodeList.
func DecodeList(enc string) ([]byte, error) {
	if len(enc) == 0 || enc[0] != 'u' {
		return nil, fmt.Errorf("la liste de statut n'est pas en base64url multibase (préfixe « u » attendu)")
	}
	z, err := base64.RawURLEncoding.DecodeString(enc[1:])
	if err != nil {
		return nil, fmt.Errorf("la liste de statut n'est pas du base64url valide : %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("la liste de statut n'est pas compressée en GZIP : %v", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, maxList+1))
	if err != nil {
		return nil, fmt.Errorf("la liste de statut est illisible : %v", err)
	}
	if len(bits) > maxList {
		return nil, fmt.Errorf("la liste de statut est trop longue")
	}
	if len(bits)*8 < ListEntries {
		return nil, fmt.Errorf("la liste de statut compte %d entrées, moins que les %d demandées par la spécification", len(bits)*8, ListEntries)
	}
	return bits, nil
}

// Bit reads entry i: the bits go most significant first, entry i in byte
// i/8 at position 7 − i%8.
func Bit(bits []byte, i uint32) bool {
	if int(i/8) >= len(bits) {
		return false
	}
	return bits[i/8]&(0x80>>(i%8)) != 0
}

// SetBit sets entry i (see Bit).
func SetBit(bits []byte, i uint32) {
	if int(i/8) < len(bits) {
		bits[i/8] |= 0x80 >> (i % 8)
	}
}
