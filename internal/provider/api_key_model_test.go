package provider

import (
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Read skips writing the state when equal says nothing changed, so equal must compare every
// field of the model, including any added later.
func TestAPIKeyModelEqualComparesEveryField(t *testing.T) {
	x := types.StringValue("x")
	changed := map[reflect.Type]reflect.Value{
		reflect.TypeOf(types.String{}): reflect.ValueOf(x),
		reflect.TypeOf(types.Set{}):    reflect.ValueOf(types.SetValueMust(types.StringType, []attr.Value{x})),
		reflect.TypeOf(types.Map{}):    reflect.ValueOf(types.MapValueMust(types.StringType, map[string]attr.Value{"k": x})),
		reflect.TypeOf(types.Object{}): reflect.ValueOf(previousValue(&previousKeyModel{ID: x, APIKey: x, ExpiresAt: x})),
	}
	// Nulls of the schema's types, as a state holds them.
	base := apiKeyModel{Permissions: types.SetNull(types.StringType), Keepers: types.MapNull(types.StringType),
		Rotation: types.ObjectNull(rotationAttrTypes), Previous: types.ObjectNull(previousAttrTypes)}
	if !base.equal(base) {
		t.Fatal("a model differs from itself")
	}
	fields := reflect.TypeOf(base)
	for i := range fields.NumField() {
		other := base
		value, ok := changed[fields.Field(i).Type]
		if !ok {
			t.Fatalf("field %s has type %s, which this test cannot change", fields.Field(i).Name, fields.Field(i).Type)
		}
		reflect.ValueOf(&other).Elem().Field(i).Set(value)
		if base.equal(other) {
			t.Errorf("equal ignores %s", fields.Field(i).Name)
		}
	}
}
