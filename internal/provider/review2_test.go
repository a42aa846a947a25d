package provider

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

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

// A PATCH of the predecessor answered "API key not found" (deleted between the lookup and
// the PATCH) means it is gone, which is what retiring it wanted: no error, no predecessor.
func TestReview2_retirePredecessorGoneAtPatch(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const name = "pulse_api_key.test"
	const description = "gone at patch"
	config := rotatingConfig(baseURL, description, "24h", "1h")
	var first keyCredentials

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, description, 0),
		Steps: []resource.TestStep{
			{Config: config, Check: first.capture()},
			// Someone deletes the predecessor just before the rotation's PATCH reaches it.
			{
				PreConfig: func() {
					clock.advance(24*time.Hour + time.Minute)
					emu.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
						if r.Method != http.MethodPatch {
							return false
						}
						emu.Intercept(nil)
						emu.ServeDirect(httptest.NewRecorder(), deleteRequest(r))
						emu.ServeDirect(w, r)
						return true
					})
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(name, tfjsonpath.New("previous"), knownvalue.Null()),
				},
				Check: checkKeysNamed(emu, description, 1),
			},
		},
	})
}

// deleteRequest is a DELETE of the key r names, with r's credentials, answered to nowhere.
func deleteRequest(r *http.Request) *http.Request {
	d := r.Clone(r.Context())
	d.Method = http.MethodDelete
	d.Body = http.NoBody
	d.ContentLength = 0
	return d
}

// An overlap shorter than a request takes (1ns) asks Pulse for an expiry already past when
// it arrives: Pulse refuses the PATCH, and every apply fails to retire the predecessor until
// its backstop. Such an overlap is refused at plan time, with what to write instead.
func TestReview2_overlapShorterThanARequest(t *testing.T) {
	emu, baseURL := startEmulator(t, emulator.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      rotatingConfig(baseURL, "tiny overlap", "24h", "1ns"),
				PlanOnly:    true,
				ExpectError: errorTexts(`rotation.overlap is "1ns"`, `overlap = "0s"`, "at least 1s"),
			},
		},
	})
	if n := emu.Count("POST /apikeys"); n != 0 {
		t.Errorf("%d key creates, want none", n)
	}
}

// every shortened after a rotation makes the next rotation due while the predecessor is still
// in its overlap; the rotation deleted it at once, cutting the overlap its consumers were
// promised. The rotation waits for the overlap to end instead.
func TestReview2_rotationDueDuringOverlap(t *testing.T) {
	clock := &testClock{}
	emu, baseURL := startEmulator(t, emulator.Options{Now: clock.now})
	const description = "shortened"
	var first keyCredentials
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactoriesWithClock(clock.now),
		CheckDestroy:             checkKeysNamed(emu, description, 0),
		Steps: []resource.TestStep{
			{Config: rotatingConfig(baseURL, description, "24h", "1h"), Check: first.capture()},
			{PreConfig: func() { clock.advance(24*time.Hour + time.Minute) }, Config: rotatingConfig(baseURL, description, "24h", "1h")},
			{Config: rotatingConfig(baseURL, description, "10m", "5m")},
			{
				PreConfig: func() { clock.advance(11 * time.Minute) },
				Config:    rotatingConfig(baseURL, description, "10m", "5m"),
				Check:     first.checkLogin(baseURL, "previous, 12 minutes into its 1h overlap", http.StatusOK),
			},
		},
	})
}
