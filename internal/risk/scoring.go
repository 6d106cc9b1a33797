package risk

import (
	"errors"
	"fmt"
	"strings"
)

// Level is a risk level: 1 laag, 2 midden, 3 hoog, 4 kritiek. Levels are
// ordered, so a tolerance is simply the highest level accepted.
type Level int

// The four risk levels.
const (
	Low      Level = 1
	Medium   Level = 2
	High     Level = 3
	Critical Level = 4
)

// Levels lists the levels from low to critical.
var Levels = []Level{Low, Medium, High, Critical}

// Key is the level's stable name, used in i18n keys ("risk.level.high"),
// CSS classes and forms.
func (l Level) Key() string {
	switch l {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	case Critical:
		return "critical"
	}
	return "unknown"
}

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool { return l >= Low && l <= Critical }

// ScaleMax is the top of the likelihood and impact scales (5×5).
const ScaleMax = 5

// Matrix maps (likelihood, impact), each 1..5, to a level. It is the
// entity's risk criterion; Matrix[l-1][i-1] is the level of likelihood l and
// impact i.
type Matrix [ScaleMax][ScaleMax]Level

// DefaultMatrix is the matrix a new entity starts with: the product of
// likelihood and impact, cut at 4, 9 and 15 (1–4 laag, 5–9 midden, 10–15
// hoog, 16–25 kritiek), a common banding that keeps the matrix symmetric and
// monotone.
func DefaultMatrix() Matrix {
	var m Matrix
	for l := 1; l <= ScaleMax; l++ {
		for i := 1; i <= ScaleMax; i++ {
			switch p := l * i; {
			case p >= 16:
				m[l-1][i-1] = Critical
			case p >= 10:
				m[l-1][i-1] = High
			case p >= 5:
				m[l-1][i-1] = Medium
			default:
				m[l-1][i-1] = Low
			}
		}
	}
	return m
}

// DefaultTolerance is the highest level a new entity accepts without a
// board decision.
const DefaultTolerance = Medium

// ErrScale is returned for a likelihood or impact outside 1..5.
var ErrScale = errors.New("likelihood and impact are 1 to 5")

// Score returns the level of (likelihood, impact) under m.
func (m Matrix) Score(likelihood, impact int) (Level, error) {
	if likelihood < 1 || likelihood > ScaleMax || impact < 1 || impact > ScaleMax {
		return 0, fmt.Errorf("score (%d, %d): %w", likelihood, impact, ErrScale)
	}
	return m[likelihood-1][impact-1], nil
}

// Monotone reports whether a higher likelihood or impact never lowers the
// level. An edited matrix must be monotone, or a worse risk could score
// better.
func (m Matrix) Monotone() bool {
	for l := 0; l < ScaleMax; l++ {
		for i := 0; i < ScaleMax; i++ {
			if !m[l][i].Valid() {
				return false
			}
			if l+1 < ScaleMax && m[l+1][i] < m[l][i] {
				return false
			}
			if i+1 < ScaleMax && m[l][i+1] < m[l][i] {
				return false
			}
		}
	}
	return true
}

// String is the stored form: 25 digits, row-major by likelihood then impact.
func (m Matrix) String() string {
	var b strings.Builder
	for l := 0; l < ScaleMax; l++ {
		for i := 0; i < ScaleMax; i++ {
			b.WriteByte(byte('0' + m[l][i]))
		}
	}
	return b.String()
}

// ErrMatrix is returned for a stored or submitted matrix that is not 25
// levels.
var ErrMatrix = errors.New("a matrix is 25 levels of 1 to 4")

// ParseMatrix reads the stored form (see String).
func ParseMatrix(s string) (Matrix, error) {
	var m Matrix
	if len(s) != ScaleMax*ScaleMax {
		return m, ErrMatrix
	}
	for k := 0; k < len(s); k++ {
		lv := Level(s[k] - '0')
		if !lv.Valid() {
			return m, ErrMatrix
		}
		m[k/ScaleMax][k%ScaleMax] = lv
	}
	return m, nil
}

// AboveTolerance reports whether level exceeds the tolerance, i.e. needs a
// decision of the management body to be accepted.
func AboveTolerance(level, tolerance Level) bool { return level > tolerance }

// Cell is one cell of a heat map: the scenarios with this likelihood and
// impact.
type Cell struct {
	Likelihood, Impact int
	Level              Level
	Count              int
}

// HeatMap lays counts per (likelihood, impact) out as a 5×5 grid, rows from
// likelihood 5 (top) down to 1, columns impact 1 to 5, each cell with its
// level under m. Counts outside the scale are ignored.
func HeatMap(m Matrix, counts map[[2]int]int) [ScaleMax][ScaleMax]Cell {
	var g [ScaleMax][ScaleMax]Cell
	for row := 0; row < ScaleMax; row++ {
		l := ScaleMax - row
		for col := 0; col < ScaleMax; col++ {
			i := col + 1
			g[row][col] = Cell{Likelihood: l, Impact: i, Level: m[l-1][i-1], Count: counts[[2]int{l, i}]}
		}
	}
	return g
}
