// Command pulseprovider is the Pulse provider exactly as main.go serves it, plus the
// benchmark's exit report and optional profiles (see benchserve). Benchmark tooling only.
package main

import (
	"log"

	"github.com/pulsecrm/terraform-provider-pulse/internal/bench/benchserve"
	"github.com/pulsecrm/terraform-provider-pulse/internal/provider"
)

func main() {
	if err := benchserve.Serve("pulse", provider.New("bench"), "registry.terraform.io/pulsecrm/pulse"); err != nil {
		log.Fatal(err)
	}
}
