package proportion

import (
	"reflect"
	"testing"
)

// TestMemoKeyCoversEveryInput changes every field of every input struct in
// turn, by reflection, and requires a different key: a field added to
// Factors, MeasureInput, Sensitivity or RequirementInput that appendMemoKey
// does not encode would make Compute answer from a question it was not
// asked.
func TestMemoKeyCoversEveryInput(t *testing.T) {
	t.Parallel()
	base := func() (Factors, []MeasureInput) {
		return Factors{Exposure: 3, Likelihood: 3, Impact: 3, Size: SizeMedium, Class: ClassImportant},
			[]MeasureInput{{Code: "a", Current: 2.5, Sensitivity: Sensitivity{Exposure: 0.5, Size: 0.5, Likelihood: 0.5, Impact: 0.5, Class: 0.5},
				Requirements: []RequirementInput{{Code: "1.1", Applicable: true}}}}
	}
	f0, ms0 := base()
	want := string(appendMemoKey(nil, CurrentVersion, f0, ms0))
	if got := string(appendMemoKey(nil, CurrentVersion+"x", f0, ms0)); got == want {
		t.Error("the version is not in the key")
	}
	// changeEach calls check once per field of the struct v points to, with
	// that field changed.
	changeEach := func(v reflect.Value, check func(field string)) {
		for i := range v.NumField() {
			fv, old := v.Field(i), reflect.New(v.Field(i).Type()).Elem()
			old.Set(fv)
			switch fv.Kind() {
			case reflect.Int:
				fv.SetInt(fv.Int() + 1)
			case reflect.Float64:
				fv.SetFloat(fv.Float() + 0.125)
			case reflect.String:
				fv.SetString(fv.String() + "x")
			case reflect.Bool:
				fv.SetBool(!fv.Bool())
			case reflect.Struct, reflect.Slice:
				continue // their own fields are changed below
			default:
				t.Fatalf("%s.%s: a %s the test cannot change", v.Type(), v.Type().Field(i).Name, fv.Kind())
			}
			check(v.Type().Name() + "." + v.Type().Field(i).Name)
			fv.Set(old)
		}
	}
	differs := func(field string, f Factors, ms []MeasureInput) {
		if string(appendMemoKey(nil, CurrentVersion, f, ms)) == want {
			t.Errorf("changing %s leaves the key unchanged: add it to appendMemoKey", field)
		}
	}
	f, ms := base()
	changeEach(reflect.ValueOf(&f).Elem(), func(field string) { differs(field, f, ms) })
	changeEach(reflect.ValueOf(&ms[0]).Elem(), func(field string) { differs(field, f, ms) })
	changeEach(reflect.ValueOf(&ms[0].Sensitivity).Elem(), func(field string) { differs(field, f, ms) })
	changeEach(reflect.ValueOf(&ms[0].Requirements[0]).Elem(), func(field string) { differs(field, f, ms) })
	if string(appendMemoKey(nil, CurrentVersion, f, append(ms, ms[0]))) == want {
		t.Error("a second measure leaves the key unchanged")
	}
	ms[0].Requirements = append(ms[0].Requirements, RequirementInput{Code: "1.2"})
	differs("a second requirement", f, ms)
}
