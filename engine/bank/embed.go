package bank

import (
	"embed"
	"io/fs"
)

// The pictures of items with `screen:` are drawn into items/images/ and
// committed; `go generate ./engine/bank` redraws those that changed.
//go:generate go run ../../cmd/diagbot content images items

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
