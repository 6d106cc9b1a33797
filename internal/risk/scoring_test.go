package risk

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestDefaultMatrixTable(t *testing.T) {
	t.Parallel()
	m := DefaultMatrix()
	// Hand-computed from the banding of likelihood × impact.
	cases := []struct {
		l, i int
		want Level
	}{
		{1, 1, Low}, {1, 4, Low}, {2, 2, Low}, {4, 1, Low},
		{1, 5, Medium}, {5, 1, Medium}, {2, 3, Medium}, {3, 3, Medium}, {2, 4, Medium},
		{2, 5, High}, {5, 2, High}, {3, 4, High}, {3, 5, High}, {5, 3, High},
		{4, 4, Critical}, {4, 5, Critical}, {5, 4, Critical}, {5, 5, Critical},
	}
	for _, c := range cases {
		got, err := m.Score(c.l, c.i)
		if err != nil || got != c.want {
			t.Errorf("Score(%d, %d) = %v, %v; want %v", c.l, c.i, got, err, c.want)
		}
	}
	for _, bad := range [][2]int{{0, 1}, {1, 0}, {6, 3}, {3, 6}, {-1, -1}} {
		if _, err := m.Score(bad[0], bad[1]); !errors.Is(err, ErrScale) {
			t.Errorf("Score(%d, %d): err %v, want ErrScale", bad[0], bad[1], err)
		}
	}
}

func TestMatrixRoundTrip(t *testing.T) {
	t.Parallel()
	m := DefaultMatrix()
	s := m.String()
	if s != "1111211223122331234423344" {
		t.Errorf("default matrix stored as %s", s)
	}
	back, err := ParseMatrix(s)
	if err != nil || back != m {
		t.Errorf("ParseMatrix(String()) = %v, %v", back, err)
	}
	for _, bad := range []string{"", "111", "1111211122112331233423345", "0111211122112331233423344", "111121112211233123342334x"} {
		if _, err := ParseMatrix(bad); !errors.Is(err, ErrMatrix) {
			t.Errorf("ParseMatrix(%q): %v, want ErrMatrix", bad, err)
		}
	}
}

// randomMonotone builds a monotone matrix: each cell the max of its lower
// neighbours plus a random step, capped at Critical.
func randomMonotone(r *rand.Rand) Matrix {
	var m Matrix
	for l := 0; l < ScaleMax; l++ {
		for i := 0; i < ScaleMax; i++ {
			base := Low
			if l > 0 {
				base = max(base, m[l-1][i])
			}
			if i > 0 {
				base = max(base, m[l][i-1])
			}
			m[l][i] = min(Critical, base+Level(r.IntN(2)))
		}
	}
	return m
}

// TestScoreMonotone is the property: under the default matrix and any
// matrix Monotone accepts, a higher likelihood or impact never lowers the
// level.
func TestScoreMonotone(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	matrices := []Matrix{DefaultMatrix()}
	for range 500 {
		matrices = append(matrices, randomMonotone(r))
	}
	for _, m := range matrices {
		if !m.Monotone() {
			t.Fatalf("matrix %s not monotone", m)
		}
		for l := 1; l <= ScaleMax; l++ {
			for i := 1; i <= ScaleMax; i++ {
				lv, _ := m.Score(l, i)
				for l2 := l; l2 <= ScaleMax; l2++ {
					for i2 := i; i2 <= ScaleMax; i2++ {
						if lv2, _ := m.Score(l2, i2); lv2 < lv {
							t.Fatalf("matrix %s: (%d,%d)=%v but (%d,%d)=%v", m, l, i, lv, l2, i2, lv2)
						}
					}
				}
			}
		}
	}
	// And Monotone rejects a matrix where a worse risk scores better.
	m := DefaultMatrix()
	m[4][4] = Low
	if m.Monotone() {
		t.Error("a matrix with (5,5) laag counted as monotone")
	}
}

func TestAboveTolerance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		level, tol Level
		want       bool
	}{{Low, Low, false}, {Medium, Low, true}, {High, Medium, true}, {Medium, Medium, false}, {Critical, Critical, false}, {Critical, High, true}}
	for _, c := range cases {
		if got := AboveTolerance(c.level, c.tol); got != c.want {
			t.Errorf("AboveTolerance(%v, %v) = %v", c.level, c.tol, got)
		}
	}
}

func TestHeatMapLayout(t *testing.T) {
	t.Parallel()
	g := HeatMap(DefaultMatrix(), map[[2]int]int{{5, 1}: 2, {1, 5}: 3, {4, 4}: 1, {9, 9}: 7})
	if c := g[0][0]; c.Likelihood != 5 || c.Impact != 1 || c.Count != 2 || c.Level != Medium {
		t.Errorf("top-left cell %+v", c)
	}
	if c := g[4][4]; c.Likelihood != 1 || c.Impact != 5 || c.Count != 3 {
		t.Errorf("bottom-right cell %+v", c)
	}
	if c := g[1][3]; c.Likelihood != 4 || c.Impact != 4 || c.Count != 1 || c.Level != Critical {
		t.Errorf("cell (4,4) %+v", c)
	}
	total := 0
	for _, row := range g {
		for _, c := range row {
			total += c.Count
		}
	}
	if total != 6 {
		t.Errorf("total %d, want 6 (out-of-scale counts ignored)", total)
	}
}

func FuzzParseMatrix(f *testing.F) {
	f.Add(DefaultMatrix().String())
	f.Add("4444444444444444444444444")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMatrix(s)
		if err != nil {
			return
		}
		if m.String() != s {
			t.Fatalf("round trip %q → %q", s, m.String())
		}
	})
}

// FuzzParseJewelCSV checks that any file either parses into rows with a
// line number after the header or reports problems, and never panics.
func FuzzParseJewelCSV(f *testing.F) {
	f.Add([]byte("naam;niveau;beschikbaarheid;integriteit;vertrouwelijkheid\nA;proces;1;2;3\n"))
	f.Add([]byte("name,level,availability,integrity,confidentiality\n\"A\nB\",goal,1,1,1\n"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		rows, _ := parseJewelCSV(raw)
		for _, r := range rows {
			if r.line < 2 {
				t.Fatalf("row at line %d", r.line)
			}
		}
	})
}
