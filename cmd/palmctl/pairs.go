package main

import (
	"bufio"
	"io"
	"strconv"

	"github.com/palmd/palmd/biometric/eval"
)

// pairsHeader names the columns palmctl eval --pairs-out writes, one
// comparison a line, tab-separated, for replaying decision rules with
// awk or a short program: the probe's hand and its place among that
// hand's probes, the hand compared with, 1 for a mated pair, then the
// first search's distance, that scaled by the probe's cohort, the
// outline look's distance (1: none taken), the score the run counts,
// and how many cells the first distance rests on.
const pairsHeader = "probe\tcapture\thand\tmated\tfirst\tscaled\tlook\tscore\tcells"

// The columns palmctl tail reads back (readPairsSample), counted from 0.
const (
	pairsMated = 3
	pairsFirst = 4
	pairsLook  = 6
	pairsScore = 7
)

// writePairs writes the header, then each pair, its distances in the
// shortest form that reads back exactly.
func writePairs(w io.Writer, pairs []eval.Pair) error {
	b := bufio.NewWriter(w)
	b.WriteString(pairsHeader + "\n")
	var buf []byte
	for i := range pairs {
		p := &pairs[i]
		buf = append(buf[:0], p.Probe...)
		buf = append(buf, '\t')
		buf = strconv.AppendInt(buf, int64(p.Capture), 10)
		buf = append(buf, '\t')
		buf = append(buf, p.Hand...)
		buf = append(buf, '\t')
		if p.Mated() {
			buf = append(buf, '1')
		} else {
			buf = append(buf, '0')
		}
		for _, v := range []float64{p.First, p.Scaled, p.Look, p.Score} {
			buf = append(buf, '\t')
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		}
		buf = append(buf, '\t')
		buf = strconv.AppendInt(buf, int64(p.Cells), 10)
		buf = append(buf, '\n')
		if _, err := b.Write(buf); err != nil {
			return err
		}
	}
	return b.Flush()
}
