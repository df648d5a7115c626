package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"toolorch.dev/go/toolorch/internal/capi"
)

// A generous bound for waits that only a broken binding would reach.
const patience = 60 * time.Second

func newOrch(t *testing.T, config any) *Orchestrator {
	t.Helper()
	o, err := New(config)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func mustRegister(t *testing.T, o *Orchestrator, name string, fn ToolFunc) {
	t.Helper()
	if err := o.RegisterTool(name, "test tool "+name, `{"type":"object"}`, 0, fn); err != nil {
		t.Fatalf("RegisterTool(%s): %v", name, err)
	}
}

func waitJob(t *testing.T, j *Job) (Result, error) {
	t.Helper()
	select {
	case <-j.Done():
	case <-time.After(patience):
		t.Fatal("the job did not end")
	}
	return j.Wait()
}

// 50 calls of one round run at once: each tool waits until all 50 are in.
func TestFiftyToolsRunAtOnce(t *testing.T) {
	cfg := startMock(t, `{"rounds": [
		{"text": "Fetching.", "repeat": {"name": "wait50", "count": 50, "arguments": {"i": "{i}"}}},
		{"text": "done: {tool_result_count} results"}]}`)
	o := newOrch(t, cfg)
	var inFlight, maxSeen, arrived atomic.Int64
	all := make(chan struct{})
	mustRegister(t, o, "wait50", func(ctx context.Context, args json.RawMessage) (string, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := maxSeen.Load(); n > m && !maxSeen.CompareAndSwap(m, n); m = maxSeen.Load() {
		}
		if arrived.Add(1) == 50 {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(patience):
			return "", errors.New("not all 50 calls arrived")
		}
		var a struct{ I string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return `{"i":` + a.I + `}`, nil
	})
	job, err := o.StartJob(context.Background(), `{"prompt": "fetch them all"}`)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	results, asked := 0, 0
	for ev := range job.Events() {
		switch ev.Type {
		case EventTextDelta:
			text.WriteString(ev.Text)
		case EventLLMToolCall:
			asked++
		case EventCallResult:
			if ev.State != CallSucceeded || ev.Code != OK {
				t.Errorf("call %s ended %v: %s", ev.CallID, ev.State, ev.Text)
			}
			results++
		}
	}
	res, err := waitJob(t, job)
	if err != nil {
		t.Fatalf("job: %v", err)
	}
	if res.Text != "done: 50 results" {
		t.Errorf("answer %q", res.Text)
	}
	if got := maxSeen.Load(); got != 50 {
		t.Errorf("max concurrency seen in Go = %d, want 50", got)
	}
	if got := o.Stat("max_running"); got != 50 {
		t.Errorf("library max_running = %d, want 50", got)
	}
	if asked != 50 || results != 50 {
		t.Errorf("events: %d tool calls asked, %d results; want 50 and 50", asked, results)
	}
	if !strings.HasSuffix(text.String(), "done: 50 results") {
		t.Errorf("streamed text %q", text.String())
	}
	if len(res.Transcript) == 0 || !json.Valid(res.Transcript) {
		t.Errorf("transcript is not JSON: %q", res.Transcript)
	}
}

// A tool error (or panic) becomes that call's result for the model; the job
// goes on to its next round.
func TestToolErrorGoesToTheModel(t *testing.T) {
	cfg := startMock(t, `{"rounds": [
		{"tool_calls": [{"name": "boom"}, {"name": "panicky"}, {"name": "fine"}]},
		{"text": "seen: {tool_results}"}]}`)
	o := newOrch(t, cfg)
	mustRegister(t, o, "boom", func(context.Context, json.RawMessage) (string, error) {
		return "", errors.New("kaboom: disk on fire")
	})
	mustRegister(t, o, "panicky", func(context.Context, json.RawMessage) (string, error) {
		panic("wrong turn")
	})
	mustRegister(t, o, "fine", func(context.Context, json.RawMessage) (string, error) {
		return "all-good", nil
	})
	job, err := o.StartJob(context.Background(), `{"prompt": "try"}`)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]Event{}
	for ev := range job.Events() {
		if ev.Type == EventCallResult {
			states[ev.Tool] = ev
		}
	}
	res, err := waitJob(t, job)
	if err != nil {
		t.Fatalf("the job failed instead of going on: %v", err)
	}
	for _, want := range []string{"kaboom: disk on fire", "tool panicked: wrong turn", "all-good"} {
		if !strings.Contains(res.Text, want) {
			t.Errorf("final text %q lacks %q", res.Text, want)
		}
	}
	if e := states["boom"]; e.State != CallFailed || e.Code != ErrTool || e.Text != "kaboom: disk on fire" {
		t.Errorf("boom ended %v/%v %q", e.State, e.Code, e.Text)
	}
	if e := states["fine"]; e.State != CallSucceeded || e.Text != "all-good" {
		t.Errorf("fine ended %v %q", e.State, e.Text)
	}
}

// Cancelling the job's context ends the job as cancelled and cancels the
// running tool's context.
func TestCancelJobWithContext(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "slow"}]}, {"text": "too late"}]}`)
	o := newOrch(t, cfg)
	started, toolSawCancel := make(chan struct{}), make(chan struct{})
	mustRegister(t, o, "slow", func(ctx context.Context, _ json.RawMessage) (string, error) {
		close(started)
		select {
		case <-ctx.Done():
			close(toolSawCancel)
			return "", ctx.Err()
		case <-time.After(patience):
			return "finished", nil
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job, err := o.StartJob(ctx, `{"prompt": "go slow"}`)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-started:
	case <-time.After(patience):
		t.Fatal("the tool never started")
	}
	cancel()
	_, err = waitJob(t, job)
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("job ended with %v, want cancelled", err)
	}
	select {
	case <-toolSawCancel:
	case <-time.After(patience):
		t.Fatal("the tool's context was not cancelled")
	}
	if got := o.Stat("calls_cancelled"); got != 1 {
		t.Errorf("calls_cancelled = %d, want 1", got)
	}
}

// Job.Cancel does the same without a context.
func TestJobCancel(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "slow"}]}, {"text": "too late"}]}`)
	o := newOrch(t, cfg)
	started := make(chan struct{})
	mustRegister(t, o, "slow", func(ctx context.Context, _ json.RawMessage) (string, error) {
		close(started)
		<-ctx.Done()
		return "", ctx.Err()
	})
	job, err := o.StartJob(context.Background(), `{"prompt": "go slow"}`)
	if err != nil {
		t.Fatal(err)
	}
	<-started
	job.Cancel()
	if _, err := waitJob(t, job); !errors.Is(err, ErrCancelled) {
		t.Fatalf("job ended with %v, want cancelled", err)
	}
	job.Cancel() // after the end: nothing happens
}

func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func skipUnderRace(t *testing.T) {
	if raceDetector {
		t.Skip("leak checks run without -race (bindings/go/run_tests.sh runs them)")
	}
}

func settledRSS(t *testing.T) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return rssBytes(t)
}

const leakSlack = 20 << 20

// 1,000 jobs (each one tool call and two LLM rounds) leave the process the
// size it was.
func TestThousandJobsDoNotGrow(t *testing.T) {
	skipUnderRace(t)
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "echo", "arguments": {"x": 1}}]}, {"text": "ok {tool_results}"}]}`)
	o := newOrch(t, cfg)
	mustRegister(t, o, "echo", func(_ context.Context, args json.RawMessage) (string, error) {
		return string(args), nil
	})
	run := func(n int) {
		for i := 0; i < n; i++ {
			job, err := o.StartJob(context.Background(), `{"prompt": "echo"}`)
			if err != nil {
				t.Fatal(err)
			}
			res, err := waitJob(t, job)
			if err != nil || res.Text != `ok {"x":1}` {
				t.Fatalf("job %d: %q, %v", i, res.Text, err)
			}
		}
	}
	run(100) // warm-up: pools, caches, connections
	before := settledRSS(t)
	run(1000)
	after := settledRSS(t)
	t.Logf("RSS %d KiB -> %d KiB over 1000 jobs", before>>10, after>>10)
	if after-before > leakSlack {
		t.Errorf("RSS grew by %d KiB over 1000 jobs", (after-before)>>10)
	}
}

// 1,000 orchestrators, each running one Go tool through a batch, created and
// closed: nothing stays behind.
func TestThousandOrchestratorsDoNotGrow(t *testing.T) {
	skipUnderRace(t)
	cycle := func(n int) {
		for i := 0; i < n; i++ {
			o, err := New(Options{MaxParallelTools: 8})
			if err != nil {
				t.Fatal(err)
			}
			if err := o.RegisterTool("id", "", "", 0, func(_ context.Context, a json.RawMessage) (string, error) {
				return string(a), nil
			}); err != nil {
				t.Fatal(err)
			}
			res, err := o.RunBatch(context.Background(), []BatchCall{{Tool: "id", Args: `{"n":1}`}})
			if err != nil || len(res) != 1 || res[0].Result != `{"n":1}` {
				t.Fatalf("batch %d: %+v %v", i, res, err)
			}
			o.Close()
		}
	}
	cycle(100)
	before := settledRSS(t)
	cycle(1000)
	after := settledRSS(t)
	t.Logf("RSS %d KiB -> %d KiB over 1000 orchestrators", before>>10, after>>10)
	if after-before > leakSlack {
		t.Errorf("RSS grew by %d KiB over 1000 orchestrators", (after-before)>>10)
	}
}

func TestInvalidConfig(t *testing.T) {
	_, err := New(`{"max_parallel_tools": 8, "no_such_key": 1}`)
	var e *Error
	if !errors.As(err, &e) || e.Code != ErrConfig || !strings.Contains(e.Msg, "no_such_key") {
		t.Fatalf("New with an unknown key: %v", err)
	}
	if !errors.Is(err, ErrConfig) {
		t.Errorf("errors.Is(%v, ErrConfig) is false", err)
	}
	_, err = New(Options{LLM: &LLM{Protocol: "carrier-pigeon"}})
	if !errors.As(err, &e) || e.Code != ErrConfig || !strings.Contains(e.Msg, "carrier-pigeon") {
		t.Fatalf("New with a bad protocol: %v", err)
	}
	_, err = New(`{"max_parallel_tools": "many"}`)
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "max_parallel_tools") {
		t.Fatalf("New with a wrong type: %v", err)
	}
}

// A job request the library rejects gives its message.
func TestInvalidJobRequest(t *testing.T) {
	o := newOrch(t, `{"llm": {"protocol": "openai", "base_url": "http://127.0.0.1:9", "api_key": "test"}}`)
	_, err := o.StartJob(context.Background(), `{"prompt": "x", "max_roundz": 3}`)
	var e *Error
	if !errors.As(err, &e) || e.Code == OK || !strings.Contains(e.Msg, "max_roundz") {
		t.Fatalf("StartJob with an unknown key: %v", err)
	}
}

func TestBatch(t *testing.T) {
	o := newOrch(t, nil)
	mustRegister(t, o, "upper", func(_ context.Context, args json.RawMessage) (string, error) {
		var a struct{ S string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return strings.ToUpper(a.S), nil
	})
	calls := []BatchCall{{Tool: "nope", ID: "missing"}}
	for i := 0; i < 20; i++ {
		calls = append(calls, BatchCall{Tool: "upper", Args: fmt.Sprintf(`{"s":"w%d"}`, i), ID: fmt.Sprint("c", i)})
	}
	b, err := o.StartBatch(context.Background(), calls)
	if err != nil {
		t.Fatal(err)
	}
	streamed := 0
	for ev := range b.Events() {
		if ev.Type == EventCallResult {
			streamed++
		}
	}
	res, err := b.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 21 || streamed != 21 {
		t.Fatalf("%d results, %d streamed; want 21", len(res), streamed)
	}
	for _, r := range res {
		switch {
		case r.CallID == "missing":
			if r.State != CallFailed || r.Err == nil || !strings.Contains(r.Err.Error(), "nope") {
				t.Errorf("unknown tool call: %+v", r)
			}
		case r.State != CallSucceeded || r.Result != "W"+strings.TrimPrefix(r.CallID, "c"):
			t.Errorf("call %s: %+v", r.CallID, r)
		}
	}
}

// Close with a tool still running: the job ends with ErrClosed, the tool's
// context is cancelled, and its late result is dropped without harm.
func TestCloseWhileToolsRun(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "stubborn"}, {"name": "stubborn"}]}, {"text": "x"}]}`)
	o, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var started sync.WaitGroup
	started.Add(2)
	release := make(chan struct{})
	var sawCancel atomic.Int64
	o.RegisterTool("stubborn", "", "", 0, func(ctx context.Context, _ json.RawMessage) (string, error) {
		started.Done()
		<-ctx.Done()
		sawCancel.Add(1)
		<-release // still running after Close returns
		return "late", nil
	})
	job, err := o.StartJob(context.Background(), `{"prompt": "x"}`)
	if err != nil {
		t.Fatal(err)
	}
	started.Wait()
	o.Close()
	if _, err := waitJob(t, job); !errors.Is(err, ErrClosed) {
		t.Fatalf("job ended with %v, want ErrClosed", err)
	}
	close(release)
	deadline := time.Now().Add(patience)
	for sawCancel.Load() != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if sawCancel.Load() != 2 {
		t.Errorf("%d of 2 tools saw their context cancelled", sawCancel.Load())
	}
	if _, err := o.StartJob(context.Background(), `{"prompt": "x"}`); !errors.Is(err, ErrClosed) {
		t.Errorf("StartJob after Close: %v", err)
	}
	if o.Stat("calls_started") != -1 {
		t.Error("Stat after Close should be -1")
	}
}

func TestRegisterTwice(t *testing.T) {
	o := newOrch(t, nil)
	fn := func(context.Context, json.RawMessage) (string, error) { return "", nil }
	mustRegister(t, o, "t", fn)
	if err := o.RegisterTool("t", "", "", 0, fn); !errors.Is(err, ErrExists) {
		t.Errorf("second registration: %v", err)
	}
	if err := o.RegisterTool("bad", "", `{"type": "string"}`, 0, fn); err == nil {
		t.Error("a non-object schema was accepted")
	}
	if err := o.RegisterTool("bad", "", `{"type": "object"}`, 0, fn); err != nil {
		t.Errorf("the name of a refused tool stays taken: %v", err)
	}
}

// The Code constants are the C library's.
func TestCodesMatchTheLibrary(t *testing.T) {
	pairs := map[Code]capi.Enum_SS_toolorch_status{
		OK: capi.TOOLORCH_OK, ErrInvalid: capi.TOOLORCH_EINVAL, ErrConfig: capi.TOOLORCH_ECONFIG,
		ErrTool: capi.TOOLORCH_ETOOL, ErrCancelled: capi.TOOLORCH_ECANCELLED, ErrClosed: capi.TOOLORCH_ECLOSED,
		ErrAgain: capi.TOOLORCH_EAGAIN, ErrMaxRounds: capi.TOOLORCH_EMAXROUNDS, ErrStream: capi.TOOLORCH_ESTREAM,
	}
	for code, c := range pairs {
		if int(code) != int(c) {
			t.Errorf("%v = %d, the library says %d", code, int(code), int(c))
		}
	}
	if ErrStream != Code(capi.TOOLORCH_STATUS_MIN) {
		t.Errorf("the library has codes this binding does not name (min %d)", capi.TOOLORCH_STATUS_MIN)
	}
}

// A call that outlives its deadline ends timed out, and its tool's context
// is cancelled.
func TestToolTimeoutCancelsItsContext(t *testing.T) {
	o := newOrch(t, Options{ToolTimeoutMs: 100})
	sawCancel := make(chan struct{})
	mustRegister(t, o, "sleepy", func(ctx context.Context, _ json.RawMessage) (string, error) {
		select {
		case <-ctx.Done():
			close(sawCancel)
			return "", ctx.Err()
		case <-time.After(patience):
			return "woke up", nil
		}
	})
	res, err := o.RunBatch(context.Background(), []BatchCall{{Tool: "sleepy"}})
	if err != nil || len(res) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if res[0].State != CallTimedOut || !errors.Is(res[0].Err, ErrTimedOut) {
		t.Errorf("the call ended %v (%v), want timed out", res[0].State, res[0].Err)
	}
	select {
	case <-sawCancel:
	case <-time.After(patience):
		t.Fatal("the tool's context was not cancelled")
	}
}

// A context's deadline surfaces as context.DeadlineExceeded (never as
// Canceled); the tool still running learns of it through TOOL_CANCELLED.
func TestContextDeadlineIsDeadlineExceeded(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "slow"}]}, {"text": "too late"}]}`)
	o := newOrch(t, cfg)
	toolSawCancel := make(chan struct{})
	mustRegister(t, o, "slow", func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		close(toolSawCancel)
		return "", ctx.Err()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	job, err := o.StartJob(ctx, `{"prompt": "go slow"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = waitJob(t, job)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		t.Fatalf("job ended with %v, want context.DeadlineExceeded only", err)
	}
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("job ended with %v, want the library's status too", err)
	}
	select {
	case <-toolSawCancel:
	case <-time.After(patience):
		t.Fatal("the tool's context was not cancelled")
	}
	// A context already past its deadline refuses the start the same way.
	if _, err := o.StartJob(ctx, `{"prompt": "again"}`); !errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) {
		t.Fatalf("StartJob after the deadline: %v", err)
	}
	// And a batch's.
	bctx, bcancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer bcancel()
	mustRegister(t, o, "stuck", func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	if _, err := o.RunBatch(bctx, []BatchCall{{Tool: "stuck"}}); !errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) {
		t.Fatalf("RunBatch past its deadline: %v", err)
	}
}

func TestChainOfGoTools(t *testing.T) {
	o := newOrch(t, nil)
	mustRegister(t, o, "search", func(_ context.Context, args json.RawMessage) (string, error) {
		var a struct{ Q string }
		if err := json.Unmarshal(args, &a); err != nil {
			return "", err
		}
		return fmt.Sprintf(`{"top":%q}`, a.Q), nil
	})
	mustRegister(t, o, "combine", func(_ context.Context, args json.RawMessage) (string, error) {
		return "combined " + string(args), nil
	})
	err := o.RegisterChain(`{"name":"research","steps":[
	    {"parallel":[{"name":"s1","tool":"search","args":{"q":"${input#/city} weather"}},
	                 {"name":"s2","tool":"search","args":{"q":"${input#/city} news"}}]},
	    {"name":"c","tool":"combine","args":{"parts":["${s1#/top}","${s2#/top}"]}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	err = o.RegisterChain(`{"name":"bad","steps":[{"name":"a","tool":"search","args":{"q":"${later}"}},{"name":"later","tool":"search"}]}`)
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), `"later"`) {
		t.Fatalf("a reference to a later step: %v", err)
	}
	res, err := o.RunBatch(context.Background(), []BatchCall{{Tool: "research", Args: `{"city":"Oslo"}`, ID: "r1"}})
	if err != nil {
		t.Fatal(err)
	}
	var chain *CallResult
	steps := 0
	for i := range res {
		if res[i].CallID == "r1" {
			chain = &res[i]
		} else if strings.HasPrefix(res[i].CallID, "r1/") {
			steps++
		}
	}
	if chain == nil || chain.State != CallSucceeded || chain.Result != `combined {"parts":["Oslo weather","Oslo news"]}` {
		t.Fatalf("chain result: %+v", res)
	}
	if steps != 3 {
		t.Fatalf("want 3 step results, got %d: %+v", steps, res)
	}
}
