package entity

import "testing"

func TestProposeSupervision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		in            Registration
		authority, cs string
	}{
		{"no subsectors: nothing proposed", Registration{}, "", ""},
		{"first subsector decides", Registration{Subsectors: []string{"drinking_water", "banking"}}, "IENW", "NCSC"},
		{"a chosen authority is kept", Registration{Subsectors: []string{"banking"}, Authority: "EZ"}, "EZ", "NCSC"},
		{"a chosen CSIRT is kept", Registration{Subsectors: []string{"banking"}, CSIRT: "Z-CERT"}, "FIN", "Z-CERT"},
		{"unknown subsector: nothing proposed", Registration{Subsectors: []string{"nope"}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.in
			r.ProposeSupervision()
			if r.Authority != tt.authority || r.CSIRT != tt.cs {
				t.Errorf("got %q/%q, want %q/%q", r.Authority, r.CSIRT, tt.authority, tt.cs)
			}
		})
	}
}
