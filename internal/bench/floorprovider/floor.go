// Command floorprovider is the benchmark's floor: a provider built with the same framework
// whose floor_api_key resource has pulse_api_key's schema (taken from it, so the two cannot
// drift) but does no I/O. Create fills the computed values locally and Read keeps the state
// as it is, so a plan of N floor_api_key resources costs what the CLI, the plugin protocol
// and the framework cost for N keys, and nothing else. Benchmark tooling only.
package main

import (
	"context"
	"fmt"
	"log"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/pulsecrm/terraform-provider-pulse/internal/bench/benchserve"
	pulse "github.com/pulsecrm/terraform-provider-pulse/internal/provider"
)

// Address is where the benchmark's CLI configuration finds the floor provider.
const Address = "registry.terraform.io/pulsecrm/floor"

func main() {
	if err := benchserve.Serve("floor", newProvider, Address); err != nil {
		log.Fatal(err)
	}
}

type floorProvider struct{}

var _ provider.Provider = floorProvider{}

func newProvider() provider.Provider { return floorProvider{} }

func (floorProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "floor"
}

func (floorProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (floorProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (floorProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{newAPIKeyResource}
}

func (floorProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

type apiKeyResource struct {
	// pulse is pulse_api_key itself, asked only for its schema.
	pulse resource.Resource
}

var _ resource.Resource = &apiKeyResource{}

func newAPIKeyResource() resource.Resource {
	return &apiKeyResource{pulse: pulse.NewAPIKeyResource()}
}

func (r *apiKeyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_api_key"
}

func (r *apiKeyResource) Schema(ctx context.Context, req resource.SchemaRequest, resp *resource.SchemaResponse) {
	r.pulse.Schema(ctx, req, resp)
}

// nextID numbers created keys; ids only need to be unique within one apply.
var nextID atomic.Int64

func (r *apiKeyResource) Create(_ context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	id := nextID.Add(1)
	raw, err := fillUnknown(req.Plan.Raw, func(name string) tftypes.Value {
		switch name {
		case "id":
			return str(strconv.FormatInt(id, 10))
		case "account_id":
			return str("6591739253089529")
		case "api_key":
			return str(fmt.Sprintf("apiKey-floor%016d", id))
		case "api_secret":
			// The benchmark's pulse keys are imported, and an imported key has no secret: a
			// sensitive value in every instance would cost the CLI more than theirs.
			return tftypes.NewValue(tftypes.String, nil)
		case "last_four_of_secret":
			return str("0000")
		default: // created_at, updated_at
			return str(time.Now().UTC().Format(time.RFC3339))
		}
	})
	if err != nil {
		resp.Diagnostics.AddError("floor: filling computed values", err.Error())
		return
	}
	resp.State.Raw = raw
}

// Read leaves resp.State as the framework set it: the prior state, unchanged.
func (r *apiKeyResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (r *apiKeyResource) Update(_ context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	raw, err := fillUnknown(req.Plan.Raw, func(string) tftypes.Value { return str(time.Now().UTC().Format(time.RFC3339)) })
	if err != nil {
		resp.Diagnostics.AddError("floor: filling computed values", err.Error())
		return
	}
	resp.State.Raw = raw
}

func (r *apiKeyResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

// fillUnknown replaces every unknown top-level string attribute of a planned object with
// value(name), and every unknown top-level object with null. Working on the raw value rather than a model struct means a new attribute in
// pulse_api_key needs no change here, unless it is a computed non-string other than an object, which is refused.
func fillUnknown(plan tftypes.Value, value func(name string) tftypes.Value) (tftypes.Value, error) {
	return tftypes.Transform(plan, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if v.IsKnown() {
			return v, nil
		}
		// A computed object (previous) is null, as pulse_api_key plans it for a new key.
		if steps := p.Steps(); len(steps) == 1 && v.Type().Is(tftypes.Object{}) {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		if steps := p.Steps(); len(steps) == 1 && v.Type().Is(tftypes.String) {
			if name, ok := steps[0].(tftypes.AttributeName); ok {
				return value(string(name)), nil
			}
		}
		return v, fmt.Errorf("unknown value at %s: the floor fills only top-level strings", p)
	})
}
