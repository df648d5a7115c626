package toolorch

import (
	"encoding/json"
	"runtime"
	"strconv"

	"toolorch.dev/go/toolorch/internal/capi"
)

// Metrics (include/toolorch/metrics.h): the library's own families
// (docs/OBSERVABILITY.md) and metrics of your own, in the Prometheus text
// format. MetricsText gives the exposition text for a host that already
// serves /metrics; the option Observability.MetricsListen makes the library
// serve GET /metrics itself (MetricsPort says where). Tracing is the option
// Observability.OTLPEndpoint. Metrics are on unless Observability.Metrics is
// false; then every function here fails with ErrState.

// Observability is the "observability" section of Options.
type Observability struct {
	Metrics       *bool    `json:"metrics,omitempty"`        // feed the registry [true]
	MetricsListen string   `json:"metrics_listen,omitempty"` // "127.0.0.1:9464": serve GET /metrics (port 0 picks one)
	OTLPEndpoint  string   `json:"otlp_endpoint,omitempty"`  // traces go to <endpoint>/v1/traces [$OTEL_EXPORTER_OTLP_ENDPOINT]
	ServiceName   string   `json:"service_name,omitempty"`   // [$OTEL_SERVICE_NAME, else "toolorch"]
	TraceSample   *float64 `json:"trace_sample,omitempty"`   // share of root traces kept [1]
	OTLPFlushMs   int64    `json:"otlp_flush_ms,omitempty"`  // [1000]
	OTLPMaxQueue  int64    `json:"otlp_max_queue,omitempty"` // finished spans waiting for export [4096]
}

// MetricsText is the exposition text (Prometheus text format 0.0.4) of every
// metric of the orchestrator.
func (o *Orchestrator) MetricsText() (string, error) {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return "", &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	// SWIG copies the owned C string and frees it (%newobject); NULL comes
	// back as "" (the text is never empty: the built-in families are in it).
	text := capi.Toolorch_metrics_text(o.c)
	if text == "" {
		return "", o.lastError(int(ErrState))
	}
	return text, nil
}

// MetricsPort is the port of the built-in /metrics endpoint, or -1 when it
// does not serve.
func (o *Orchestrator) MetricsPort() int {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return -1
	}
	return capi.Toolorch_metrics_port(o.c)
}

// metric is what a Counter, Gauge and Histogram share: the orchestrator, the
// name and how many label values an update takes.
type metric struct {
	o      *Orchestrator
	name   string
	labels int
}

// Counter is a metric that only goes up.
type Counter struct{ metric }

// Gauge is a metric that goes up and down.
type Gauge struct{ metric }

// Histogram counts observations into buckets.
type Histogram struct{ metric }

// NewCounter defines a counter (the track_metric of other runtimes): name
// as Prometheus wants it ([a-zA-Z_:][a-zA-Z0-9_:]*, not starting
// "toolorch_"), help any text, labels the names of its labels. Defining the
// same name again with the same kind and labels gives the same metric;
// otherwise ErrExists.
func (o *Orchestrator) NewCounter(name, help string, labels ...string) (*Counter, error) {
	m, err := o.define(capi.TOOLORCH_METRIC_COUNTER, name, help, labels, nil)
	if err != nil {
		return nil, err
	}
	return &Counter{m}, nil
}

// NewGauge defines a gauge; see NewCounter.
func (o *Orchestrator) NewGauge(name, help string, labels ...string) (*Gauge, error) {
	m, err := o.define(capi.TOOLORCH_METRIC_GAUGE, name, help, labels, nil)
	if err != nil {
		return nil, err
	}
	return &Gauge{m}, nil
}

// NewHistogram defines a histogram; buckets are ascending upper bounds, nil
// for the library's duration buckets (seconds, 0.001 .. 120). See NewCounter.
func (o *Orchestrator) NewHistogram(name, help string, buckets []float64, labels ...string) (*Histogram, error) {
	m, err := o.define(capi.TOOLORCH_METRIC_HISTOGRAM, name, help, labels, buckets)
	if err != nil {
		return nil, err
	}
	return &Histogram{m}, nil
}

func (o *Orchestrator) define(kind capi.Enum_SS_toolorch_metric_kind, name, help string, labels []string, buckets []float64) (metric, error) {
	labelJSON, bucketJSON := "", ""
	if len(labels) > 0 {
		labelJSON = jsonText(labels)
	}
	if buckets != nil {
		b, err := json.Marshal(buckets)
		if err != nil { // NaN or an infinity
			return metric{}, &Error{Code: ErrInvalid, Msg: "buckets: finite numbers only"}
		}
		bucketJSON = string(b)
	}
	err := o.cCall(func() int {
		return capi.Toolorch_metric_define(o.c, int(kind), name, help, labelJSON, bucketJSON)
	})
	return metric{o, name, len(labels)}, err
}

// Add adds v (>= 0) to the series of these label values (one per label).
func (c *Counter) Add(v float64, labelValues ...string) error {
	return c.update(capi.Toolorch_metric_add, v, labelValues)
}

// Inc adds 1.
func (c *Counter) Inc(labelValues ...string) error { return c.Add(1, labelValues...) }

// Set sets the series of these label values to v.
func (g *Gauge) Set(v float64, labelValues ...string) error {
	return g.update(capi.Toolorch_metric_set, v, labelValues)
}

// Add adds v (negative to go down).
func (g *Gauge) Add(v float64, labelValues ...string) error {
	return g.update(capi.Toolorch_metric_add, v, labelValues)
}

// Observe counts v into the series of these label values.
func (h *Histogram) Observe(v float64, labelValues ...string) error {
	return h.update(capi.Toolorch_metric_observe, v, labelValues)
}

func (m *metric) update(fn func(capi.Struct_SS_toolorch_ctx, string, string, float64) int, v float64,
	labelValues []string) error {
	if len(labelValues) != m.labels {
		return &Error{Code: ErrInvalid, Msg: "metric \"" + m.name + "\" takes " + strconv.Itoa(m.labels) + " label values"}
	}
	values := ""
	if m.labels > 0 {
		values = jsonText(labelValues)
	}
	return m.o.cCall(func() int { return fn(m.o.c, m.name, values, v) })
}

// cCall runs a C function of the context that returns a status, and turns a
// failure into an *Error with the library's detail.
func (o *Orchestrator) cCall(fn func() int) error {
	o.life.RLock()
	defer o.life.RUnlock()
	if o.ctxGone {
		return &Error{Code: ErrClosed, Msg: "the orchestrator is closed"}
	}
	runtime.LockOSThread() // the detail is kept per thread
	defer runtime.UnlockOSThread()
	if rc := fn(); rc != 0 {
		return o.lastError(rc)
	}
	return nil
}

// jsonText is the JSON array of these strings.
func jsonText(v []string) string {
	b, _ := json.Marshal(v) // strings always encode
	return string(b)
}
