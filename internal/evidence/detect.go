package evidence

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/weerbaar/weerbaar/internal/validate"
)

// Errors about the uploaded file. Except for ErrTooLarge they are validation
// errors too: validate.Fields(err) returns the catalogue key for the form
// field "file", while errors.Is(err, ErrTypeMismatch) and the like still work.
var (
	// ErrTooLarge means the file is longer than the store's MaxBytes. It is
	// not a validation error: the handler answers 413.
	ErrTooLarge = errors.New("evidence: file too large")
	// ErrEmpty means the file has no content ("evidence.error.empty").
	ErrEmpty = errors.New("evidence: empty file")
	// ErrTypeNotAllowed means the file's extension is not one of the allowed
	// types ("evidence.error.type").
	ErrTypeNotAllowed = errors.New("evidence: file type not allowed")
	// ErrTypeMismatch means the content is not what the extension says
	// ("evidence.error.mismatch"), e.g. a program renamed to .pdf.
	ErrTypeMismatch = errors.New("evidence: content does not match the file type")
	// ErrFilename means the file name is empty, longer than MaxFilename bytes,
	// not UTF-8 or holds control characters ("evidence.error.filename").
	ErrFilename = errors.New("evidence: invalid file name")
)

// inputError is a validation error that also unwraps to the sentinels that
// caused it, so a handler can use either validate.Fields or errors.Is.
type inputError struct {
	v      *validate.Error
	causes []error
}

func (e *inputError) Error() string { return e.v.Error() }

func (e *inputError) Unwrap() []error { return append([]error{e.v}, e.causes...) }

// invalid builds the error for fields with problems, or nil when there are none.
func invalid(fields validate.Errors, causes []error) error {
	if len(fields) == 0 {
		return nil
	}
	return &inputError{v: &validate.Error{Fields: fields}, causes: causes}
}

// fileErr is a problem with the uploaded file, reported on the field "file".
func fileErr(sentinel error, key string) error {
	return invalid(validate.Errors{"file": key}, []error{sentinel})
}

// collect adds err's field errors to fields and its sentinel causes to causes;
// it reports false for an error that is not a validation error.
func collect(err error, fields validate.Errors, causes *[]error) bool {
	var ie *inputError
	if !errors.As(err, &ie) {
		if f := validate.Fields(err); f != nil {
			for k, v := range f {
				fields.Add(k, v)
			}
			return true
		}
		return false
	}
	for k, v := range ie.v.Fields {
		fields.Add(k, v)
	}
	*causes = append(*causes, ie.causes...)
	return true
}

// fileType is one allowed kind of file: the content type stored and served,
// and the check that the content really is that kind.
type fileType struct {
	contentType string
	check       func(m *mimetype.MIME, content []byte) bool
}

// Content types of the OOXML and ODF formats.
const (
	typeDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	typeOdt  = "application/vnd.oasis.opendocument.text"
	typeOds  = "application/vnd.oasis.opendocument.spreadsheet"
)

// allowed maps each allowed extension (lower case, with the dot) to its type.
// The list is deliberately short: documents, spreadsheets, slides, pictures
// and plain text, the forms evidence takes; nothing a browser or an office
// suite would execute.
var allowed = map[string]fileType{
	".pdf":  {"application/pdf", isPDF},
	".docx": {typeDocx, ooxml(typeDocx+".main+xml", "word/")},
	".xlsx": {typeXlsx, ooxml(typeXlsx+".main+xml", "xl/")},
	".pptx": {typePptx, ooxml(typePptx+".main+xml", "ppt/")},
	".odt":  {typeOdt, odf(typeOdt)},
	".ods":  {typeOds, odf(typeOds)},
	".png":  {"image/png", func(m *mimetype.MIME, _ []byte) bool { return m.Is("image/png") || m.Is("image/apng") }},
	".jpg":  {"image/jpeg", func(m *mimetype.MIME, _ []byte) bool { return m.Is("image/jpeg") }},
	".jpeg": {"image/jpeg", func(m *mimetype.MIME, _ []byte) bool { return m.Is("image/jpeg") }},
	".txt":  {"text/plain; charset=utf-8", isText},
	".csv":  {"text/csv; charset=utf-8", isText},
	".md":   {"text/markdown; charset=utf-8", isText},
}

// AllowedExtensions lists the extensions DetectType accepts, for the upload
// form's accept attribute and its help text.
func AllowedExtensions() []string {
	return []string{".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".png", ".jpg", ".jpeg", ".txt", ".csv", ".md"}
}

// DetectType decides whether content may be stored under filename and returns
// the content type to store and serve it with. The extension must be one of
// AllowedExtensions (ErrTypeNotAllowed), the content must not be empty
// (ErrEmpty), and the content must be what the extension says
// (ErrTypeMismatch):
//
//   - pdf: starts with "%PDF-" (after optional whitespace);
//   - png, jpg/jpeg: the image's signature;
//   - docx, xlsx, pptx: a valid zip whose [Content_Types].xml declares the
//     format's main part (so macro-enabled documents and templates do not
//     pass) and that holds the format's folder (word/, xl/, ppt/); a
//     password-protected Office file is not a zip and is refused;
//   - odt, ods: a valid zip whose first entry is the ODF "mimetype" entry of
//     that format, with a content.xml;
//   - txt, csv, md: valid UTF-8 without binary control bytes anywhere, and not
//     sniffed as HTML, XML (including SVG), RTF or a script. A Markdown file
//     that starts with an HTML tag or comment is therefore refused.
//
// The content types are the format's own, e.g. application/pdf; text gets
// "text/plain; charset=utf-8", "text/csv; charset=utf-8" and
// "text/markdown; charset=utf-8".
func DetectType(filename string, content []byte) (string, error) {
	ft, ok := allowed[extension(filename)]
	if !ok {
		return "", fileErr(ErrTypeNotAllowed, "evidence.error.type")
	}
	if len(content) == 0 {
		return "", fileErr(ErrEmpty, "evidence.error.empty")
	}
	if !ft.check(mimetype.Detect(content), content) {
		return "", fileErr(ErrTypeMismatch, "evidence.error.mismatch")
	}
	return ft.contentType, nil
}

// extension is the lower-case extension of filename's base name, with the dot.
func extension(filename string) string {
	base := baseName(filename)
	i := strings.LastIndexByte(base, '.')
	if i < 0 {
		return ""
	}
	return strings.ToLower(base[i:])
}

func isPDF(m *mimetype.MIME, content []byte) bool {
	return m.Is("application/pdf") && bytes.HasPrefix(bytes.TrimLeft(content, " \t\r\n"), []byte("%PDF-"))
}

// descends reports whether m is the type t or one of its descendants.
func descends(m *mimetype.MIME, t string) bool {
	for ; m != nil; m = m.Parent() {
		if m.Is(t) {
			return true
		}
	}
	return false
}

// maxManifest bounds how much of a zip entry is read when checking its
// structure, so a zip bomb cannot exhaust memory.
const maxManifest = 1 << 20

// ooxml checks an Office Open XML package. The sniffer only looks at the
// first few kilobytes, which a large document may not fit its folders into,
// so the zip itself is inspected.
func ooxml(mainPart, folder string) func(*mimetype.MIME, []byte) bool {
	return func(m *mimetype.MIME, content []byte) bool {
		if !descends(m, "application/zip") {
			return false
		}
		zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil {
			return false
		}
		var types []byte
		hasFolder := false
		for _, f := range zr.File {
			switch {
			case f.Name == "[Content_Types].xml":
				if types, err = readEntry(f); err != nil {
					return false
				}
			case strings.HasPrefix(f.Name, folder):
				hasFolder = true
			}
		}
		return hasFolder && bytes.Contains(types, []byte(`"`+mainPart+`"`))
	}
}

// odf checks an OpenDocument package: the sniffer matches the uncompressed
// "mimetype" entry that ODF requires first in the zip.
func odf(contentType string) func(*mimetype.MIME, []byte) bool {
	return func(m *mimetype.MIME, content []byte) bool {
		if !m.Is(contentType) {
			return false
		}
		zr, err := zip.NewReader(bytes.NewReader(content), int64(len(content)))
		if err != nil || len(zr.File) == 0 || zr.File[0].Name != "mimetype" {
			return false
		}
		if b, err := readEntry(zr.File[0]); err != nil || string(b) != contentType {
			return false
		}
		for _, f := range zr.File {
			if f.Name == "content.xml" {
				return true
			}
		}
		return false
	}
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxManifest))
}

// notPlainText are sniffed text types that a txt, csv or md file must not be:
// markup a browser would render and programs. Descendants count too (e.g.
// XHTML, RSS and other XML).
var notPlainText = []string{"text/html", "text/xml", "image/svg+xml", "application/xhtml+xml", "text/rtf",
	"text/javascript", "text/x-php", "text/x-shellscript", "text/x-python", "text/x-perl", "text/x-ruby",
	"text/x-lua", "text/x-tcl"}

func isText(m *mimetype.MIME, content []byte) bool {
	if !descends(m, "text/plain") || !utf8.Valid(content) {
		return false
	}
	for _, t := range notPlainText {
		if descends(m, t) {
			return false
		}
	}
	// The sniffer looks at the first 4 KiB only; binary bytes anywhere make
	// it no text file (WHATWG MIME Sniffing, "binary data byte").
	for _, b := range content {
		if b <= 0x08 || b == 0x0B || (b >= 0x0E && b <= 0x1A) || (b >= 0x1C && b <= 0x1F) {
			return false
		}
	}
	return true
}

// MaxFilename is the longest file name stored, in bytes.
const MaxFilename = 255

// baseName is the last component of a path in either convention: browsers
// send the bare name, but some old ones send the whole client-side path.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// cleanFilename returns the base name of an uploaded file's name, trimmed, or
// ErrFilename when nothing usable is left or it is too long or not text.
func cleanFilename(name string) (string, error) {
	name = strings.TrimSpace(baseName(name))
	if name == "" || name == "." || name == ".." || len(name) > MaxFilename || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, unicode.IsControl) {
		return name, fileErr(ErrFilename, "evidence.error.filename")
	}
	return name, nil
}
