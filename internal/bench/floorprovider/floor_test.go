package main

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	pulse "github.com/pulsecrm/terraform-provider-pulse/internal/provider"
)

func schemaOf(t *testing.T, r resource.Resource) resource.SchemaResponse {
	t.Helper()
	var resp resource.SchemaResponse
	r.Schema(context.Background(), resource.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	return resp
}

// The floor is only a floor for pulse_api_key while the two schemas are the same.
func TestSchemaIsPulseAPIKeys(t *testing.T) {
	floor := schemaOf(t, newAPIKeyResource()).Schema.Attributes
	want := schemaOf(t, pulse.NewAPIKeyResource()).Schema.Attributes
	if got, want := slices.Sorted(maps.Keys(floor)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, want) {
		t.Fatalf("attributes = %v, want %v", got, want)
	}
	for name, w := range want {
		f := floor[name]
		if !f.GetType().Equal(w.GetType()) || f.IsRequired() != w.IsRequired() || f.IsOptional() != w.IsOptional() ||
			f.IsComputed() != w.IsComputed() || f.IsSensitive() != w.IsSensitive() {
			t.Errorf("%s differs from pulse_api_key's", name)
		}
	}
}

// Create fills every computed value without I/O; Read leaves the state as it was.
func TestCreateAndRead(t *testing.T) {
	ctx := context.Background()
	r := newAPIKeyResource()
	s := schemaOf(t, r).Schema
	typ := s.Type().TerraformType(ctx).(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, tftypes.UnknownValue)
	}
	values["description"] = tftypes.NewValue(tftypes.String, "ci")
	values["permissions"] = tftypes.NewValue(tftypes.Set{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "readData")})
	values["expires_at"] = tftypes.NewValue(tftypes.String, nil)
	values["keepers"] = tftypes.NewValue(tftypes.Map{ElementType: tftypes.String}, nil)
	plan := tftypes.NewValue(typ, values)

	created := resource.CreateResponse{State: tfsdk.State{Schema: s, Raw: tftypes.NewValue(typ, nil)}}
	r.Create(ctx, resource.CreateRequest{Plan: tfsdk.Plan{Schema: s, Raw: plan}}, &created)
	if created.Diagnostics.HasError() {
		t.Fatal(created.Diagnostics)
	}
	if !created.State.Raw.IsFullyKnown() {
		t.Fatalf("state after create has unknown values: %v", created.State.Raw)
	}
	var description string
	if d := created.State.GetAttribute(ctx, path.Root("description"), &description); d.HasError() || description != "ci" {
		t.Fatalf("description = %q, %v", description, d)
	}

	read := resource.ReadResponse{State: created.State}
	r.Read(ctx, resource.ReadRequest{State: created.State}, &read)
	if read.Diagnostics.HasError() || !read.State.Raw.Equal(created.State.Raw) {
		t.Fatalf("read changed the state: %v", read.State.Raw)
	}
}
