package toolorch

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Version, CheckJob, MCP servers, and the events the other tests do not
// see: PROGRESS (an MCP tool's), LLM_REQUEST / LLM_RESPONSE.

func TestVersion(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(Version()) {
		t.Fatalf("Version() = %q", Version())
	}
}

func TestCheckJob(t *testing.T) {
	o := newOrch(t, startMock(t, `{"rounds": [{"text": "unused"}]}`))
	mustRegister(t, o, "t", func(context.Context, json.RawMessage) (string, error) { return "", nil })
	if err := o.CheckJob(`{"prompt": "x", "tools": ["t"]}`); err != nil {
		t.Fatal(err)
	}
	if err := o.CheckJob(`{"prompt": "x", "bogus": 1}`); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("an unknown key: %v", err)
	}
	if err := o.CheckJob(`{"prompt": "x", "tools": ["nope"]}`); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("an unknown tool: %v", err)
	}
	if o.Stat("calls_started") != 0 {
		t.Fatal("CheckJob started something")
	}
	bare := newOrch(t, nil)
	if err := bare.CheckJob(`{"prompt": "x"}`); !errors.Is(err, ErrConfig) {
		t.Fatalf("no provider: %v", err)
	}
}

// The project's scripted MCP server over stdio (ctest sets its paths).
func TestMCPServerAndProgress(t *testing.T) {
	node, script := os.Getenv("TOOLORCH_TEST_NODE"), os.Getenv("TOOLORCH_SCRIPTED_MCP")
	if node == "" || script == "" {
		t.Skip("no node: TOOLORCH_TEST_NODE / TOOLORCH_SCRIPTED_MCP unset")
	}
	o := newOrch(t, nil)
	if err := o.AddMCPServer(map[string]any{"name": "s", "command": []string{node, script}}); err != nil {
		t.Fatal(err)
	}
	if o.MCPStat("s", "ready") != 1 || o.MCPStat("s", "tools") < 5 || o.MCPStat("nope", "ready") != -1 {
		t.Fatalf("stats: ready %d tools %d", o.MCPStat("s", "ready"), o.MCPStat("s", "tools"))
	}
	if o.MCPRevision("s") == "" || o.MCPRevision("nope") != "" {
		t.Fatalf("revision %q", o.MCPRevision("s"))
	}
	b, err := o.StartBatch(context.Background(), []BatchCall{{Tool: "echo", Args: `{"text": "one"}`, ID: "a"},
		{Tool: "slow", Args: `{"ms": 300, "steps": 3}`, ID: "e"}})
	if err != nil {
		t.Fatal(err)
	}
	var progress []Event
	results := map[string]string{}
	for e := range b.Events() {
		switch e.Type {
		case EventProgress:
			progress = append(progress, e)
		case EventCallResult:
			results[e.CallID] = e.Text
		}
	}
	if results["a"] != "one" || results["e"] != "slow done" {
		t.Fatalf("results %v", results)
	}
	if len(progress) != 3 {
		t.Fatalf("progress %+v", progress)
	}
	for i, p := range progress {
		if p.CallID != "e" || p.Tool != "slow" || p.Progress != float64(i+1) || p.ProgressTotal != 3 || p.Text != "step "+string(rune('1'+i)) {
			t.Fatalf("progress %d: %+v", i, p)
		}
	}
	if o.MCPStat("s", "calls") != 2 {
		t.Fatalf("calls %d", o.MCPStat("s", "calls"))
	}
	if err := o.AddMCPServer(`{"name": "bad", "command": ["x"], "colour": 1}`); !errors.Is(err, ErrConfig) {
		t.Fatalf("a bad description: %v", err)
	}
}

func TestLLMProgressEvents(t *testing.T) {
	var cfg map[string]any
	if err := json.Unmarshal([]byte(startMock(t, `{"rounds": [{"text": "hi"}]}`)), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["emit_progress_events"] = true
	o := newOrch(t, cfg)
	j, err := o.StartJob(context.Background(), `{"prompt": "go"}`)
	if err != nil {
		t.Fatal(err)
	}
	var req, resp *Event
	for e := range j.Events() {
		e := e
		switch e.Type {
		case EventLLMRequest:
			req = &e
		case EventLLMResponse:
			resp = &e
		}
	}
	if _, err := waitJob(t, j); err != nil {
		t.Fatal(err)
	}
	if req == nil || req.Round != 1 || req.Attempts != 1 {
		t.Fatalf("LLM_REQUEST %+v", req)
	}
	if resp == nil || resp.HTTPStatus != 200 || resp.Code != OK || resp.RunTime <= 0 || resp.Text != "" {
		t.Fatalf("LLM_RESPONSE %+v", resp)
	}
	if EventLLMRetry.String() != "llm_retry" || EventSpeculation.String() != "speculation" {
		t.Fatal("event names")
	}
}
