package eval

import (
	"testing"

	"github.com/palmd/palmd/biometric/synth"
)

// TestRegistration: a second careful capture lands where the first did,
// to a pixel; every condition is measured on the hands that enrolled.
func TestRegistration(t *testing.T) {
	rows := Registration(4, 3, synth.Wide)
	if len(rows) != len(registrationConditions) {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if r.Hands == 0 || r.Located > r.Hands {
			t.Errorf("%s: located %d of %d", r.Condition, r.Located, r.Hands)
		}
	}
	if c := rows[0]; c.Condition != "careful" || c.Located == 0 || c.ShiftMedian > 1 || c.AngleMedian > 1 || c.ScaleMedian > 1 {
		t.Errorf("careful: %+v", c)
	}
}
