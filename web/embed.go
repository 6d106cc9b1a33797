// Package web holds everything the browser receives: templ pages, the page
// shell, components and the embedded static files.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
)

// Static holds css, js and images under static/.
//
//go:embed static
var Static embed.FS

// assetVersions maps a path under static/ to a short hash of its content, so
// URLs change whenever a file changes and browsers may cache them forever.
var assetVersions = hashAssets()

func hashAssets() map[string]string {
	out := map[string]string{}
	_ = fs.WalkDir(Static, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := Static.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[path[len("static/"):]] = hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return out
}

// Asset returns the versioned URL of a static file, e.g. Asset("css/app.css")
// → "/static/css/app.css?v=3f2a…".
func Asset(name string) string {
	return "/static/" + name + "?v=" + assetVersions[name]
}

// AssetVersion returns the current content hash of a static file and whether
// the file exists.
func AssetVersion(name string) (string, bool) {
	v, ok := assetVersions[name]
	return v, ok
}
