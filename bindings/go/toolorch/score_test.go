package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// Scorers (Group.Scorer, SetScorer) run on goroutines and decide their group
// when their score comes; single calls are cancelled by id (CancelCall).

// waitClosed fails the test if ch is not closed in time.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		t.Fatal(what)
	}
}

func TestBatchGroupScorer(t *testing.T) {
	o := newOrch(t, nil)
	poorScored := make(chan struct{})
	mustRegister(t, o, "answer", func(ctx context.Context, args json.RawMessage) (string, error) {
		var a struct{ Text string }
		_ = json.Unmarshal(args, &a)
		if a.Text == "great" {
			<-poorScored // the poor answer is scored first, and cancels nothing
		}
		return a.Text, nil
	})
	mustRegister(t, o, "slow", func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	var mu sync.Mutex
	var seen []Scored
	scorer := func(ctx context.Context, s Scored) (float64, error) {
		mu.Lock()
		seen = append(seen, s)
		mu.Unlock()
		if s.Result == "great" {
			return 0.9, nil
		}
		defer close(poorScored)
		return 0.1, nil
	}
	groups := []Group{{Name: "q", Policy: GroupPolicy{CancelOnBetterResult: &Threshold{0.8}}, Scorer: scorer}}
	rs := runBatch(t, o, groups, []BatchCall{
		{Tool: "answer", Args: `{"text":"poor"}`, ID: "p", Group: "q"},
		{Tool: "answer", Args: `{"text":"great"}`, ID: "g", Group: "q"},
		{Tool: "slow", ID: "s", Group: "q"}})
	if rs["p"].Result != "poor" || rs["g"].Result != "great" || rs["s"].State != CallCancelled ||
		!strings.Contains(rs["s"].Err.Error(), "answered well enough (score 0.9") {
		t.Fatalf("results: %+v", rs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0].CallID != "p" || seen[0].Group != "q" || seen[0].Tool != "answer" ||
		string(seen[0].Args) != `{"text":"poor"}` || seen[1].CallID != "g" {
		t.Fatalf("the scorer saw %+v", seen)
	}
}

// The orchestrator's scorer scores a job's groups; its error gives no score.
func TestSetScorerForJobGroups(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "quick", "arguments": {}}, {"name": "wait", "arguments": {}}]},
		{"text": "seen: {tool_results}"}]}`)
	o := newOrch(t, cfg)
	mustRegister(t, o, "quick", func(context.Context, json.RawMessage) (string, error) { return "fine", nil })
	mustRegister(t, o, "wait", func(ctx context.Context, _ json.RawMessage) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	scored := make(chan string, 4)
	if err := o.SetScorer(func(ctx context.Context, s Scored) (float64, error) {
		scored <- s.Group + ":" + s.Tool + ":" + s.Result
		return 0.7, nil
	}); err != nil {
		t.Fatal(err)
	}
	j, err := o.StartJobRequest(context.Background(), JobRequest{Prompt: "go", Groups: []JobGroup{{Name: "b",
		Tools: []string{"quick", "wait"}, GroupPolicy: GroupPolicy{CancelOnBetterResult: &Threshold{0.5}}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := waitJob(t, j)
	if err != nil {
		t.Fatal(err)
	}
	if got := <-scored; got != "b:quick:fine" {
		t.Fatalf("scored %q", got)
	}
	if !strings.Contains(res.Text, "answered well enough (score 0.7") {
		t.Fatalf("the model should see the waiting branch cancelled: %q", res.Text)
	}
	// An error is no score: nothing is cancelled then (the group times out).
	if err := o.SetScorer(func(context.Context, Scored) (float64, error) { return 0, errors.New("no idea") }); err != nil {
		t.Fatal(err)
	}
	rs := runBatch(t, o, []Group{{Name: "t", Policy: GroupPolicy{TimeoutMs: 300, CancelOnBetterResult: &Threshold{0}}}},
		[]BatchCall{{Tool: "quick", ID: "q", Group: "t"}, {Tool: "wait", ID: "w", Group: "t"}})
	if rs["q"].State != CallSucceeded || rs["w"].State != CallTimedOut {
		t.Fatalf("a failed score should decide nothing: %+v", rs)
	}
	if err := o.SetScorer(nil); err != nil { // back to 1.0 per success: cancels at once
		t.Fatal(err)
	}
	rs = runBatch(t, o, []Group{{Name: "d", Policy: GroupPolicy{CancelOnBetterResult: &Threshold{1}}}},
		[]BatchCall{{Tool: "quick", ID: "q", Group: "d"}, {Tool: "wait", ID: "w", Group: "d"}})
	if rs["w"].State != CallCancelled {
		t.Fatalf("the default score: %+v", rs)
	}
}

// A score that can no longer matter (every branch ended) cancels the
// scorer's context.
func TestScorerContextCancelled(t *testing.T) {
	o := newOrch(t, nil)
	release := make(chan struct{})
	mustRegister(t, o, "fast", func(context.Context, json.RawMessage) (string, error) { return "f", nil })
	mustRegister(t, o, "gated", func(context.Context, json.RawMessage) (string, error) {
		<-release
		return "g", nil
	})
	scoring, stopped := make(chan struct{}), make(chan struct{})
	scorer := func(ctx context.Context, s Scored) (float64, error) {
		close(scoring)
		<-ctx.Done()
		close(stopped)
		return 1, nil
	}
	b, err := o.StartGroupedBatch(context.Background(),
		[]Group{{Name: "g", Policy: GroupPolicy{CancelOnBetterResult: &Threshold{0.5}}, Scorer: scorer}},
		[]BatchCall{{Tool: "fast", ID: "f", Group: "g"}, {Tool: "gated", ID: "x", Group: "g"}})
	if err != nil {
		t.Fatal(err)
	}
	waitClosed(t, scoring, "the scorer was not asked")
	close(release)
	waitClosed(t, stopped, "the scorer's context was not cancelled")
	rs, err := b.Wait()
	if err != nil || len(rs) != 2 {
		t.Fatalf("%v %+v", err, rs)
	}
	for _, r := range rs {
		if r.State != CallSucceeded {
			t.Fatalf("nothing is cancelled by a late score: %+v", rs)
		}
	}
}

func TestBatchCancelCall(t *testing.T) {
	o := newOrch(t, nil)
	var mu sync.Mutex
	interrupted := map[string]bool{}
	release := make(chan struct{})
	err := o.Register(ToolSpec{Name: "wait", Schema: `{"type":"object"}`, Func: func(ctx context.Context, args json.RawMessage) (string, error) {
		select {
		case <-ctx.Done():
			mu.Lock()
			interrupted[string(args)] = true
			mu.Unlock()
			return "", ctx.Err()
		case <-release:
			return "done", nil
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := o.StartBatch(context.Background(), []BatchCall{
		{Tool: "wait", Args: `{"n":1}`, ID: "a"}, {Tool: "wait", Args: `{"n":2}`, ID: "b"}, {Tool: "wait", Args: `{"n":3}`, ID: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.CancelGroup("nope"); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), `no group "nope"`) {
		t.Fatalf("no such group: %v", err)
	}
	if _, err := o.StartGroupedBatch(context.Background(), []Group{{Name: "g"}, {Name: "g"}}, nil); err == nil ||
		!strings.Contains(err.Error(), `group "g" is declared already`) {
		t.Fatalf("a group twice: %v", err)
	}
	if b.Size() != 3 || b.Ended() != 0 {
		t.Fatalf("size %d ended %d", b.Size(), b.Ended())
	}
	if err := b.CancelCall("b"); err != nil {
		t.Fatal(err)
	}
	if b.Ended() != 1 { // owned mode: the call has ended on return
		t.Fatalf("ended %d after one cancel", b.Ended())
	}
	if err := b.CancelCall("b"); !errors.Is(err, ErrLate) {
		t.Fatalf("cancelling it again: %v", err)
	}
	if err := b.CancelCall("zz"); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `no call "zz"`) {
		t.Fatalf("no such call: %v", err)
	}
	var first Event
	for e := range b.Events() {
		if e.Type == EventCallResult {
			first = e
			break
		}
	}
	if first.CallID != "b" || first.State != CallCancelled {
		t.Fatalf("the first result: %+v", first)
	}
	close(release)
	rs, err := b.Wait()
	if err != nil || len(rs) != 3 {
		t.Fatalf("the batch goes on: %v %+v", err, rs)
	}
	for _, r := range rs {
		if r.CallID != "b" && r.Result != "done" {
			t.Fatalf("the others: %+v", rs)
		}
	}
	deadline := time.Now().Add(patience)
	for {
		mu.Lock()
		told := interrupted[`{"n":2}`] && len(interrupted) == 1
		mu.Unlock()
		if told {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled call's tool was not told: %v", interrupted)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := b.CancelCall("a"); !errors.Is(err, ErrLate) {
		t.Fatalf("after the end: %v", err)
	}
	if b.Size() != 3 || b.Ended() != 3 {
		t.Fatalf("after the end: size %d ended %d", b.Size(), b.Ended())
	}
}

func TestJobCancelCall(t *testing.T) {
	cfg := startMock(t, `{"rounds": [{"tool_calls": [{"name": "wait", "arguments": {"i": 1}}, {"name": "wait", "arguments": {"i": 2}}]},
		{"text": "seen: {tool_results}"}]}`)
	o := newOrch(t, cfg)
	release, firstRuns := make(chan struct{}), make(chan struct{})
	mustRegister(t, o, "wait", func(ctx context.Context, args json.RawMessage) (string, error) {
		if strings.Contains(string(args), "1") {
			close(firstRuns)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-release:
			return "answered " + string(args), nil
		}
	})
	j, err := o.StartJob(context.Background(), `{"prompt": "go"}`)
	if err != nil {
		t.Fatal(err)
	}
	ids := make(chan string, 1)
	go func() {
		for e := range j.Events() {
			if e.Type == EventLLMToolCall && strings.Contains(e.JSON, "1") {
				ids <- e.CallID
			}
		}
	}()
	waitClosed(t, firstRuns, "the first call did not start")
	if err := j.CancelCall(<-ids); err != nil {
		t.Fatal(err)
	}
	close(release)
	res, err := waitJob(t, j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Text, "cancelled") || !strings.Contains(res.Text, `answered {"i":2}`) ||
		strings.Contains(res.Text, `answered {"i":1}`) {
		t.Fatalf("the model should see one call cancelled and the other's answer: %q", res.Text)
	}
	if err := j.CancelCall("x"); !errors.Is(err, ErrLate) {
		t.Fatalf("after the end: %v", err)
	}
}
