package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The rest of the C API, one test per exposed function: HTTP and command
// tools, per-tool settings, retries, rate-limit stats, branch groups, group
// cancel, typed job requests.

// mockBase is the scripted server's http://host:port from startMock's config.
func mockBase(t *testing.T, cfg string) string {
	t.Helper()
	m := regexp.MustCompile(`"base_url": "([^"]+)"`).FindStringSubmatch(cfg)
	if m == nil {
		t.Fatalf("no base_url in %s", cfg)
	}
	return m[1]
}

func runBatch(t *testing.T, o *Orchestrator, groups []Group, calls []BatchCall) map[string]CallResult {
	t.Helper()
	b, err := o.StartGroupedBatch(context.Background(), groups, calls)
	if err != nil {
		t.Fatalf("StartGroupedBatch: %v", err)
	}
	select {
	case <-b.Done():
	case <-time.After(patience):
		t.Fatal("the batch did not end")
	}
	rs, err := b.Wait()
	if err != nil {
		t.Fatalf("batch: %v", err)
	}
	byID := map[string]CallResult{}
	for _, r := range rs {
		byID[r.CallID] = r
	}
	return byID
}

func TestHTTPTool(t *testing.T) {
	base := mockBase(t, startMock(t, `{"rounds": [{"text": "unused"}]}`))
	o := newOrch(t, nil)
	err := o.Register(ToolSpec{Name: "echo", Description: "echoes over HTTP",
		HTTP: &HTTPEndpoint{URL: base + "/tools/echo", Headers: []string{"X-Test: 1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Register(ToolSpec{Name: "teapot", HTTP: &HTTPEndpoint{URL: base + "/tools/echo?status=418"}}); err != nil {
		t.Fatal(err)
	}
	rs := runBatch(t, o, nil, []BatchCall{
		{Tool: "echo", Args: `{"n":1}`, ID: "a"}, {Tool: "echo", Args: `{"n":2}`, ID: "b"}, {Tool: "teapot", ID: "c"}})
	if rs["a"].Result != `{"n":1}` || rs["b"].Result != `{"n":2}` {
		t.Fatalf("results: %+v", rs)
	}
	if rs["c"].State != CallFailed || !strings.Contains(rs["c"].Err.Error(), "HTTP 418") {
		t.Fatalf("the 418 call: %+v", rs["c"])
	}
	if err := o.Register(ToolSpec{Name: "bad", HTTP: &HTTPEndpoint{URL: "ftp://x"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a non-HTTP URL: %v", err)
	}
	if err := o.Register(ToolSpec{Name: "badh", HTTP: &HTTPEndpoint{URL: base, Headers: []string{"no colon"}}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a header without a colon: %v", err)
	}
}

func TestCommandTool(t *testing.T) {
	o := newOrch(t, nil)
	if err := o.Register(ToolSpec{Name: "cat", Command: []string{"cat"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.Register(ToolSpec{Name: "fail", Command: []string{"sh", "-c", "echo oops >&2; exit 3"}}); err != nil {
		t.Fatal(err)
	}
	rs := runBatch(t, o, nil, []BatchCall{{Tool: "cat", Args: `{"x":"y"}`, ID: "a"}, {Tool: "fail", ID: "b"}})
	if rs["a"].Result != `{"x":"y"}` {
		t.Fatalf("cat: %+v", rs["a"])
	}
	if rs["b"].State != CallFailed || !strings.Contains(rs["b"].Err.Error(), "status 3") ||
		!strings.Contains(rs["b"].Err.Error(), "oops") {
		t.Fatalf("exit 3: %+v", rs["b"])
	}
	if err := o.Register(ToolSpec{Name: "none", Command: []string{}}); err == nil {
		t.Fatal("an empty argv was accepted")
	}
	if err := o.Register(ToolSpec{Name: "two", Command: []string{"cat"}, Func: func(context.Context, json.RawMessage) (string, error) {
		return "", nil
	}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("two kinds at once: %v", err)
	}
}

func TestMaxParallelPerTool(t *testing.T) {
	o := newOrch(t, nil)
	var mu sync.Mutex
	running, most := 0, 0
	err := o.Register(ToolSpec{Name: "one", MaxParallel: 1, Func: func(ctx context.Context, _ json.RawMessage) (string, error) {
		mu.Lock()
		running++
		if running > most {
			most = running
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return "ok", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	var calls []BatchCall
	for i := 0; i < 8; i++ {
		calls = append(calls, BatchCall{Tool: "one"})
	}
	for _, r := range runBatch(t, o, nil, calls) {
		if r.State != CallSucceeded {
			t.Fatalf("%+v", r)
		}
	}
	if most != 1 {
		t.Fatalf("max_parallel 1, yet %d ran at once", most)
	}
}

func TestTimeoutPerTool(t *testing.T) {
	o := newOrch(t, nil)
	stopped := make(chan struct{}, 1)
	var started atomic.Bool
	err := o.Register(ToolSpec{Name: "hang", Timeout: 20 * time.Millisecond, Func: func(ctx context.Context, _ json.RawMessage) (string, error) {
		started.Store(true)
		<-ctx.Done()
		stopped <- struct{}{}
		return "", ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	rs := runBatch(t, o, nil, []BatchCall{{Tool: "hang", ID: "h"}})
	if rs["h"].State != CallTimedOut || !errors.Is(rs["h"].Err, ErrTimedOut) {
		t.Fatalf("%+v", rs["h"])
	}
	// Under load the deadline may pass before the tool is handed the call
	// (then it never runs); once it ran, its context must be cancelled.
	if !started.Load() {
		return
	}
	select {
	case <-stopped:
	case <-time.After(patience):
		t.Fatal("the tool's context was not cancelled")
	}
}

func TestRetryPolicy(t *testing.T) {
	o := newOrch(t, nil)
	var mu sync.Mutex
	tries := map[string]int{}
	fn := func(ctx context.Context, args json.RawMessage) (string, error) {
		var a struct{ Mode string }
		_ = json.Unmarshal(args, &a)
		mu.Lock()
		tries[a.Mode]++
		n := tries[a.Mode]
		mu.Unlock()
		switch {
		case a.Mode == "flaky" && n < 3:
			return "", Retryable(fmt.Errorf("try %d failed", n))
		case a.Mode == "plain":
			return "", errors.New("not marked retryable")
		}
		return "ok", nil
	}
	err := o.Register(ToolSpec{Name: "r", Func: fn,
		Retry: &Retry{Attempts: 2, Backoff: BackoffFixed, Base: time.Millisecond, Max: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	rs := runBatch(t, o, nil, []BatchCall{{Tool: "r", Args: `{"mode":"flaky"}`, ID: "f"}, {Tool: "r", Args: `{"mode":"plain"}`, ID: "p"}})
	if rs["f"].State != CallSucceeded || rs["f"].Attempts != 3 {
		t.Fatalf("flaky: %+v", rs["f"])
	}
	if rs["p"].State != CallFailed || rs["p"].Attempts != 1 {
		t.Fatalf("plain: %+v", rs["p"])
	}
	if !errors.Is(Fatal(errors.New("x")), Fatal(errors.New("x"))) && failFlags(Fatal(errors.New("x"))) != 0x2 {
		t.Fatal("Fatal does not carry its flag")
	}
}

func TestServiceAndLimitsStats(t *testing.T) {
	o := newOrch(t, Options{RateLimits: json.RawMessage(`{"services": {"svc": {"calls": 1000, "window_s": 60}}}`)})
	err := o.Register(ToolSpec{Name: "s", Service: "svc", Func: func(context.Context, json.RawMessage) (string, error) {
		return "ok", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	runBatch(t, o, nil, []BatchCall{{Tool: "s"}, {Tool: "s"}, {Tool: "s"}})
	if got := o.LimitsStat("svc", "granted"); got != 3 {
		t.Fatalf("granted: %d", got)
	}
	if got := o.LimitsStat("svc", "waiting"); got != 0 {
		t.Fatalf("waiting: %d", got)
	}
	if got := o.LimitsStat("svc", "no_such_key"); got != -1 {
		t.Fatalf("unknown key: %d", got)
	}
	if r := o.CurrentRate("svc"); r <= 0 || r > 1000 {
		t.Fatalf("current rate: %v", r)
	}
	if got := o.LimitsBackendStat("redis_connected"); got != 0 {
		t.Fatalf("memory backend, redis_connected: %d", got)
	}
	plain := newOrch(t, nil)
	if plain.LimitsStat("svc", "granted") != -1 || plain.CurrentRate("svc") >= 0 {
		t.Fatal("a context without rate limits should say -1")
	}
	o.Close()
	if o.LimitsStat("svc", "granted") != -1 || o.CurrentRate("svc") >= 0 || o.LimitsBackendStat("redis_errors") != -1 {
		t.Fatal("after Close the stats should say -1")
	}
}

func TestBatchGroupKeepTopN(t *testing.T) {
	base := mockBase(t, startMock(t, `{"rounds": [{"text": "unused"}]}`))
	o := newOrch(t, nil)
	if err := o.Register(ToolSpec{Name: "web", HTTP: &HTTPEndpoint{URL: base + "/tools/echo"}}); err != nil {
		t.Fatal(err)
	}
	if err := o.Register(ToolSpec{Name: "slow", HTTP: &HTTPEndpoint{URL: base + "/tools/echo?delay_ms=60000"}}); err != nil {
		t.Fatal(err)
	}
	groups := []Group{{Name: "g", Policy: GroupPolicy{KeepTopNBranches: 1}}}
	rs := runBatch(t, o, groups, []BatchCall{
		{Tool: "web", Args: `{"q":1}`, ID: "fast", Group: "g"},
		{Tool: "slow", ID: "slow", Group: "g"},
		{Tool: "slow", ID: "slow2", Group: "g"}})
	if rs["fast"].State != CallSucceeded || rs["slow"].State != CallCancelled || rs["slow2"].State != CallCancelled {
		t.Fatalf("keep_top_n 1: %+v", rs)
	}
	_, err := o.StartGroupedBatch(context.Background(), []Group{{Name: "x", PolicyJSON: `{"bogus": 1}`}}, nil)
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("an unknown policy key: %v", err)
	}
	_, err = o.StartGroupedBatch(context.Background(), nil, []BatchCall{{Tool: "web", Group: "undeclared"}})
	if err == nil {
		t.Fatal("a call in an undeclared group was accepted")
	}
}

func TestBatchCancelGroup(t *testing.T) {
	base := mockBase(t, startMock(t, `{"rounds": [{"text": "unused"}]}`))
	o := newOrch(t, nil)
	if err := o.Register(ToolSpec{Name: "slow", HTTP: &HTTPEndpoint{URL: base + "/tools/echo?delay_ms=60000"}}); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	err := o.Register(ToolSpec{Name: "gate", Func: func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-release
		return "through", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.StartGroupedBatch(context.Background(), []Group{{Name: "research"}}, []BatchCall{
		{Tool: "slow", ID: "s1", Group: "research"}, {Tool: "slow", ID: "s2", Group: "research"}, {Tool: "gate", ID: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CancelGroup("research"); err != nil {
		t.Fatal(err)
	}
	var cancelled []string
	for e := range b.Events() {
		if e.Type == EventCallResult && e.State == CallCancelled {
			cancelled = append(cancelled, e.CallID)
			if len(cancelled) == 2 {
				close(release)
			}
		}
	}
	sort.Strings(cancelled)
	rs, _ := b.Wait()
	if strings.Join(cancelled, ",") != "s1,s2" || len(rs) != 3 {
		t.Fatalf("cancelled %v, results %+v", cancelled, rs)
	}
	for _, r := range rs {
		if r.CallID == "g" && r.Result != "through" {
			t.Fatalf("the call outside the group: %+v", r)
		}
	}
}

func TestJobRequestTypedAndCancelGroup(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "wait", "arguments": {"i": 1}}, {"name": "wait", "arguments": {"i": 2}}]},
		{"text": "seen: {tool_results}"}]}`)
	o := newOrch(t, cfg)
	started := make(chan struct{}, 2)
	mustRegister(t, o, "wait", func(ctx context.Context, _ json.RawMessage) (string, error) {
		started <- struct{}{}
		<-ctx.Done()
		return "", ctx.Err()
	})
	no := false
	j, err := o.StartJobRequest(context.Background(), JobRequest{Prompt: "go", System: "be brief", Stream: &no,
		Groups: []JobGroup{{Name: "branches", Tools: []string{"wait"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		select {
		case <-started:
		case <-time.After(patience):
			t.Fatal("the tools did not start")
		}
	}
	if err := j.CancelGroup("branches"); err != nil {
		t.Fatal(err)
	}
	res, err := waitJob(t, j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Text, "seen: ") || strings.Count(res.Text, `group "branches" was cancelled`) != 2 {
		t.Fatalf("the model should see two cancelled calls: %q", res.Text)
	}
	if _, err := o.StartJobRequest(context.Background(), JobRequest{EagerDispatch: "sometimes", Prompt: "x"}); err == nil {
		t.Fatal("a bad eager_dispatch was accepted")
	}
}
