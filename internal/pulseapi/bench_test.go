package pulseapi

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pulsecrm/terraform-provider-pulse/internal/emulator"
)

// BenchmarkRefresh reads every one of N keys the way a refresh does: N reads, ten at a
// time (tofu's default parallelism), from a fresh Client (a fresh provider process), against
// the emulator. "shared" is GetAPIKey; "naive" lists the whole account for every read, as a
// Read would without the listing cache. Both report requests/op and logins/op.
func BenchmarkRefresh(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, mode := range []string{"shared", "naive"} {
			b.Run(fmt.Sprintf("keys=%d/%s", n, mode), func(b *testing.B) {
				benchmarkRefresh(b, n, mode == "naive")
			})
		}
	}
}

func benchmarkRefresh(b *testing.B, n int, naive bool) {
	emu := emulator.NewSeeded(emulator.Options{})
	ids := emu.SeedAPIKeys(emulator.AccountAcmeCorp, emulator.AdminEmail, n)
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	ctx := context.Background()

	emu.ResetCounts()
	b.ResetTimer()
	for b.Loop() {
		c, err := New(Config{
			BaseURL: srv.URL, APIKey: emulator.BootstrapAPIKey, APISecret: emulator.BootstrapAPISecret,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		})
		if err != nil {
			b.Fatal(err)
		}
		work := make(chan int64)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				for id := range work {
					if err := read(ctx, c, id, naive); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		wg.Wait()
	}
	b.StopTimer()

	requests := 0
	for _, v := range emu.Counts() {
		requests += v
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(emu.Logins())/float64(b.N), "logins/op")
}

func read(ctx context.Context, c *Client, id int64, naive bool) error {
	if !naive {
		_, err := c.GetAPIKey(ctx, emulator.AccountAcmeCorp, id)
		return err
	}
	l, err := c.fetchKeys(ctx, emulator.AccountAcmeCorp, emulator.AccountAcmeCorp)
	if err != nil {
		return err
	}
	for _, k := range l.keys {
		if k.ID == id {
			return nil
		}
	}
	return fmt.Errorf("key %d not listed", id)
}
