// Testing the weather agent with toolorch's test kit (docs/TESTING.md): the
// scripted LLM server instead of a model, a fake weather service, and
// one-line expectations.
package weather

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"toolorch.dev/go/toolorch"
	"toolorch.dev/go/toolorch/toolorchtest"
)

// fakeWeather answers once `expected` lookups are in progress at once (or
// after 10 s, or when opened): calls run one at a time make ExpectParallel
// fail instead of hanging.
type fakeWeather struct {
	mu         sync.Mutex
	inProgress int
	expected   int
	all        chan struct{}
}

func newFake(expected int) *fakeWeather {
	return &fakeWeather{expected: expected, all: make(chan struct{})}
}

func (f *fakeWeather) lookup(ctx context.Context, city string) (string, error) {
	f.mu.Lock()
	f.inProgress++
	if f.inProgress == f.expected {
		close(f.all)
	}
	f.mu.Unlock()
	select {
	case <-f.all:
	case <-ctx.Done(): // cancelled
		return "", ctx.Err()
	case <-time.After(10 * time.Second):
	}
	return fmt.Sprintf("%s %dC", city, len(city)*3+3), nil
}

const threeCities = `{"rounds": [
  {"tool_calls": [{"name": "weather", "arguments": {"city": "Paris"}},
                  {"name": "weather", "arguments": {"city": "Oslo"}},
                  {"name": "weather", "arguments": {"city": "Rome"}}]},
  {"text": "Forecast: {tool_results}"}]}`

func TestLooksUpEveryCityAtOnce(t *testing.T) {
	llm := toolorchtest.StartServer(t, threeCities)
	fake := newFake(3)
	o, err := New(Config{BaseURL: llm.URL(), APIKey: "sk-test", Model: "gpt-4o-mini", EmitCallStarted: true}, fake.lookup)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	job, err := Ask(context.Background(), o, "Weather in Paris, Oslo and Rome?")
	if err != nil {
		t.Fatal(err)
	}
	rec := toolorchtest.NewRecorder(t)
	rec.RecordAll(job.Events()) // until the job ends

	rec.ExpectOnlyCalls(t,
		toolorchtest.Call{Tool: "weather", Args: map[string]any{"city": "Rome"}},
		toolorchtest.Call{Tool: "weather", Args: map[string]any{"city": "Paris"}},
		toolorchtest.Call{Tool: "weather", Args: map[string]any{"city": "Oslo"}})
	rec.ExpectParallel(t, "weather")
	rec.ExpectMaxRunning(t, 3)
	rec.ExpectAnswer(t, "Forecast: Paris 18C,Oslo 15C,Rome 15C")
	rec.ExpectNoDuplicateResults(t, llm)
	llm.ExpectResultsMatched(t)
	if n := llm.Stat("requests.total"); n != 2 {
		t.Errorf("%d LLM requests, want 2", n)
	}
}

func TestSurvivesAServerError(t *testing.T) {
	llm := toolorchtest.StartServer(t, `{"rounds": [
	    {"tool_calls": [{"name": "weather", "arguments": {"city": "Lima"}}]},
	    {"text": "Forecast: {tool_results}"}],
	  "faults": [{"round": 0, "kind": "http_500", "times": 1}]}`)
	o, err := New(Config{BaseURL: llm.URL(), APIKey: "sk-test", Model: "gpt-4o-mini"}, newFake(1).lookup)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	job, err := Ask(context.Background(), o, "Weather in Lima?")
	if err != nil {
		t.Fatal(err)
	}
	rec := toolorchtest.NewRecorder(t)
	rec.RecordAll(job.Events())
	rec.ExpectOnlyCalls(t, toolorchtest.Call{Tool: "weather", Args: map[string]any{"city": "Lima"}})
	rec.ExpectAnswer(t, "Forecast: Lima 15C")
	if n := llm.Stat("faults_injected.http_500"); n != 1 {
		t.Errorf("%d scripted 500s, want 1", n)
	}
}

func TestCancelStopsTheLookup(t *testing.T) {
	llm := toolorchtest.StartServer(t, threeCities)
	o, err := New(Config{BaseURL: llm.URL(), APIKey: "sk-test", Model: "gpt-4o-mini", EmitCallStarted: true},
		newFake(99).lookup) // never all in: the lookups wait
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	job, err := Ask(context.Background(), o, "Weather in Paris, Oslo and Rome?")
	if err != nil {
		t.Fatal(err)
	}
	rec := toolorchtest.NewRecorder(t)
	started := 0
	for ev := range job.Events() {
		rec.Record(ev)
		if ev.Type == toolorch.EventCallStarted {
			if started++; started == 3 {
				job.Cancel() // the user gives up
			}
		}
	}
	rec.ExpectCancelled(t, "weather")
	rec.ExpectNoDuplicateResults(t, llm)
	if _, err := job.Wait(); err == nil {
		t.Error("a cancelled job answered")
	}
}
