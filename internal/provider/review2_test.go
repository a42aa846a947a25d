package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// every and overlap each fit in a Go duration, but their sum (the backstop) may not: it must
// be refused at plan time, not wrap around to an expiry in the past that Pulse refuses at apply.
func TestReview2_rotationBackstopOverflow(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      rotatingConfig(baseURL, "overflow", "2000000h", "1000000h"),
				PlanOnly:    true,
				ExpectError: errorText("rotation.every plus rotation.overlap is too long"),
			},
		},
	})
	if n := emu.Count("POST /apikeys"); n != 0 {
		t.Errorf("%d key creates, want none", n)
	}
}
