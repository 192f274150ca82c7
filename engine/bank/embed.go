package bank

import (
	"embed"
	"io/fs"
)

//go:embed items
var embedded embed.FS

// Embedded returns the question bank shipped in the binary.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "items")
	if err != nil { // cannot happen: "items" is embedded above
		panic(err)
	}
	return sub
}
