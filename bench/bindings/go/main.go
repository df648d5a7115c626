// bench/bindings, Go: 10,000 calls of a Go tool through one batch; CPU
// microseconds per call (process CPU time / calls, the library's threads
// included); then the latency from a call's result to the reader of
// Batch.Events(): 1,000 batches of one call, each from the tool's return to
// its CALL_RESULT read from the channel (median and p99, microseconds). Run
// by bench/bindings/run.sh.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"toolorch.dev/go/toolorch"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func batch(o *toolorch.Orchestrator, n int) error {
	calls := make([]toolorch.BatchCall, n)
	for i := range calls {
		calls[i] = toolorch.BatchCall{Tool: "echo", Args: `{"i":` + strconv.Itoa(i) + `}`}
	}
	res, err := o.RunBatch(context.Background(), calls)
	if err != nil {
		return err
	}
	for _, r := range res {
		if r.Err != nil {
			return r.Err
		}
	}
	if len(res) != n {
		return fmt.Errorf("%d results for %d calls", len(res), n)
	}
	return nil
}

// returned is when the echo tool last returned (since start, monotonic).
var start = time.Now()
var returned atomic.Int64

// resultLatency runs one call and returns how long after the tool returned
// its CALL_RESULT reached the reader of Events.
func resultLatency(o *toolorch.Orchestrator) (time.Duration, error) {
	b, err := o.StartBatch(context.Background(), []toolorch.BatchCall{{Tool: "echo", Args: `{"i":0}`}})
	if err != nil {
		return 0, err
	}
	var lat time.Duration
	for e := range b.Events() {
		if e.Type == toolorch.EventCallResult {
			lat = time.Since(start) - time.Duration(returned.Load())
		}
	}
	_, err = b.Wait()
	return lat, err
}

func main() {
	calls := 10000
	if len(os.Args) > 1 {
		calls, _ = strconv.Atoi(os.Args[1])
	}
	o, err := toolorch.New(toolorch.Options{MaxParallelTools: 256})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer o.Close()
	o.RegisterTool("echo", "", "", 0, func(_ context.Context, args json.RawMessage) (string, error) {
		returned.Store(int64(time.Since(start)))
		return string(args), nil
	})
	for i := 0; i < 4; i++ { // warm-up: 20,000 calls, as in every language
		if err := batch(o, 5000); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	cpu0, wall0 := cpuSeconds(), time.Now()
	if err := batch(o, calls); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cpu, wall := cpuSeconds()-cpu0, time.Since(wall0)
	lat := make([]float64, 1000)
	for i := range lat {
		d, err := resultLatency(o)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		lat[i] = float64(d.Nanoseconds()) / 1e3
	}
	sort.Float64s(lat)
	median, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	us := cpu * 1e6 / float64(calls)
	fmt.Printf("go:   %d calls, %.2f us CPU per call, %.1f ms wall; result -> Events() %.1f us median, %.1f us p99\n",
		calls, us, float64(wall.Microseconds())/1e3, median, p99)
	fmt.Printf(`{"lang":"go","calls":%d,"cpu_us_per_call":%.3f,"wall_ms":%.1f,"result_to_callback_us":{"median":%.1f,"p99":%.1f}}`+"\n",
		calls, us, float64(wall.Microseconds())/1e3, median, p99)
}
