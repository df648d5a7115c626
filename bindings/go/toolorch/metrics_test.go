package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Metrics through the Go layer: user counters, gauges and histograms, the
// exposition text, the built-in /metrics endpoint (Observability options),
// the library's own families after a batch, and the failures.

func hasLine(t *testing.T, text, line string) {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return
		}
	}
	t.Errorf("no line %q in the metrics:\n%s", line, text)
}

func TestMetricsUserAndBuiltIn(t *testing.T) {
	o := newOrch(t, Options{Observability: &Observability{MetricsListen: "127.0.0.1:0"}})
	mustRegister(t, o, "ok", func(context.Context, json.RawMessage) (string, error) { return "fine", nil })

	requests, err := o.NewCounter("app_requests_total", "Requests served.", "route")
	if err != nil {
		t.Fatal(err)
	}
	if err := requests.Inc("/a"); err != nil {
		t.Fatal(err)
	}
	if err := requests.Add(2, "/a"); err != nil {
		t.Fatal(err)
	}
	if err := requests.Inc("say \"hi\"\n"); err != nil { // escaped as the format wants
		t.Fatal(err)
	}
	queue, err := o.NewGauge("app_queue_depth", "Items waiting.")
	if err != nil {
		t.Fatal(err)
	}
	if err := queue.Set(5); err != nil {
		t.Fatal(err)
	}
	if err := queue.Add(-1.5); err != nil {
		t.Fatal(err)
	}
	latency, err := o.NewHistogram("app_latency_seconds", "Latency.", []float64{0.1, 1}, "route")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.05, 0.5, 3} {
		if err := latency.Observe(v, "/a"); err != nil {
			t.Fatal(err)
		}
	}
	// Defining it again the same way gives the same metric.
	again, err := o.NewCounter("app_requests_total", "Requests served.", "route")
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Inc("/a"); err != nil {
		t.Fatal(err)
	}

	calls := make([]BatchCall, 5)
	for i := range calls {
		calls[i] = BatchCall{Tool: "ok"}
	}
	if _, err := o.RunBatch(context.Background(), calls); err != nil {
		t.Fatal(err)
	}

	text, err := o.MetricsText()
	if err != nil {
		t.Fatal(err)
	}
	hasLine(t, text, "# TYPE app_requests_total counter")
	hasLine(t, text, `app_requests_total{route="/a"} 4`)
	hasLine(t, text, `app_requests_total{route="say \"hi\"\n"} 1`)
	hasLine(t, text, "# TYPE app_queue_depth gauge")
	hasLine(t, text, "app_queue_depth 3.5")
	hasLine(t, text, "# TYPE app_latency_seconds histogram")
	hasLine(t, text, `app_latency_seconds_bucket{route="/a",le="0.1"} 1`)
	hasLine(t, text, `app_latency_seconds_bucket{route="/a",le="1"} 2`)
	hasLine(t, text, `app_latency_seconds_bucket{route="/a",le="+Inf"} 3`)
	hasLine(t, text, `app_latency_seconds_sum{route="/a"} 3.55`)
	hasLine(t, text, `app_latency_seconds_count{route="/a"} 3`)
	hasLine(t, text, `toolorch_tools_total{tool_name="ok",status="succeeded"} 5`)

	// The same text over HTTP from the library's own endpoint.
	port := o.MetricsPort()
	if port <= 0 {
		t.Fatalf("MetricsPort = %d, want the endpoint's port", port)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	hasLine(t, string(body), `app_requests_total{route="/a"} 4`)
	hasLine(t, string(body), `toolorch_tools_total{tool_name="ok",status="succeeded"} 5`)
}

func TestMetricsFailures(t *testing.T) {
	o := newOrch(t, nil)
	if o.MetricsPort() != -1 {
		t.Errorf("MetricsPort without metrics_listen = %d, want -1", o.MetricsPort())
	}
	c, err := o.NewCounter("app_things_total", "", "kind")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		err  error
		want Code
	}{
		{"too few label values", c.Inc(), ErrInvalid},
		{"too many label values", c.Inc("a", "b"), ErrInvalid},
		{"a counter going down", c.Add(-1, "a"), ErrInvalid},
		{"the same name, another kind", func() error { _, err := o.NewGauge("app_things_total", ""); return err }(), ErrExists},
		{"the library's prefix", func() error { _, err := o.NewGauge("toolorch_mine", ""); return err }(), ErrInvalid},
		{"a bad name", func() error { _, err := o.NewCounter("1abc", ""); return err }(), ErrInvalid},
		{"buckets not ascending", func() error { _, err := o.NewHistogram("app_h", "", []float64{1, 0.5}); return err }(), ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.what, tc.err, tc.want)
		}
	}
	text, err := o.MetricsText()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "app_things_total{") {
		t.Errorf("a failed update made a series:\n%s", text)
	}

	off := false
	quiet := newOrch(t, Options{Observability: &Observability{Metrics: &off}})
	if _, err := quiet.MetricsText(); !errors.Is(err, ErrState) {
		t.Errorf("MetricsText with metrics off: %v, want ErrState", err)
	}
	if _, err := quiet.NewCounter("app_x_total", ""); !errors.Is(err, ErrState) {
		t.Errorf("NewCounter with metrics off: %v, want ErrState", err)
	}
	quiet.Close()
	if _, err := quiet.MetricsText(); !errors.Is(err, ErrClosed) {
		t.Errorf("MetricsText after Close: %v, want ErrClosed", err)
	}
}
