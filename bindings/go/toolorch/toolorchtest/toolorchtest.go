// Package toolorchtest is toolorch's test kit for Go tests (docs/TESTING.md):
// the scripted LLM server started in the test's process, a recorder of a
// job's events, and one-line expectations that report through testing.TB.
//
// It links libtoolorch_testing (pkg-config toolorch-testing), which only
// test binaries import: production binaries built from package toolorch
// alone do not carry it.
//
//	llm := toolorchtest.StartServer(t, script)            // stopped by t.Cleanup
//	o, _ := toolorch.New(toolorch.Options{EmitCallStarted: true,
//	        LLM: &toolorch.LLM{Protocol: "openai", BaseURL: llm.URL(), APIKey: "sk-test", Model: "m"}})
//	job, _ := o.StartJob(ctx, `{"prompt": "..."}`)
//	rec := toolorchtest.NewRecorder(t)
//	rec.RecordAll(job.Events())                           // until JOB_DONE
//	rec.ExpectCalls(t, toolorchtest.Call{Tool: "weather", Args: map[string]any{"city": "Paris"}})
//	rec.ExpectParallel(t, "weather")
//	rec.ExpectAnswer(t, "Forecast: ...")
package toolorchtest

// #cgo pkg-config: toolorch-testing
// #include <stdlib.h>
// #include <toolorch/toolorch.h>
// #include <toolorch/testing.h>
import "C"

import (
	"encoding/json"
	"testing"
	"unsafe"

	"toolorch.dev/go/toolorch"
)

const msgSize = 4096

// Server is the scripted LLM server (toolorch_testing_server).
type Server struct {
	p *C.toolorch_testing_server
}

// StartServer starts the scripted server on a free loopback port playing
// script (the format of docs/TESTING.md; "" plays one round of plain text).
// A bad script fails the test with the field it names. The server stops when
// the test ends.
func StartServer(t testing.TB, script string) *Server {
	t.Helper()
	var cs *C.char
	if script != "" {
		cs = C.CString(script)
		defer C.free(unsafe.Pointer(cs))
	}
	var errbuf [msgSize]C.char
	s := &Server{}
	if rc := C.toolorch_testing_server_start(cs, 0, &s.p, &errbuf[0], msgSize); rc != 0 {
		t.Fatalf("toolorchtest.StartServer: %s: %s", C.GoString(C.toolorch_strerror(rc)), C.GoString(&errbuf[0]))
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server (StartServer's cleanup does it; calling it twice is fine).
func (s *Server) Close() {
	if s.p != nil {
		C.toolorch_testing_server_stop(s.p)
		s.p = nil
	}
}

// URL is the base URL for the LLM options' BaseURL (any protocol).
func (s *Server) URL() string { return C.GoString(C.toolorch_testing_server_url(s.p, nil)) }

// Seen is what the server saw, as JSON: requests, calls issued, results
// answered, ids that matched nothing (toolorch_testing_server_seen).
func (s *Server) Seen() string { return C.GoString(C.toolorch_testing_server_seen(s.p)) }

// Stat is one counter by dotted name ("requests.total",
// "faults_injected.http_429", "round_requests.1"); -1 if there is none.
func (s *Server) Stat(key string) int64 {
	ck := C.CString(key)
	defer C.free(unsafe.Pointer(ck))
	return int64(C.toolorch_testing_server_stat(s.p, ck))
}

// ExpectResultsMatched: every tool result the model got answers a call it
// issued, none twice, none missing.
func (s *Server) ExpectResultsMatched(t testing.TB) bool {
	t.Helper()
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_results_matched(s.p, &msg[0], msgSize), &msg[0])
}

// Recorder keeps a job's events for the expectations (toolorch_testing_recorder).
type Recorder struct {
	p *C.toolorch_testing_recorder
}

// NewRecorder makes a recorder freed when the test ends.
func NewRecorder(t testing.TB) *Recorder {
	r := &Recorder{p: C.toolorch_testing_recorder_new()}
	if r.p == nil {
		t.Fatal("toolorchtest.NewRecorder: out of memory")
	}
	t.Cleanup(func() {
		C.toolorch_testing_recorder_free(r.p)
		r.p = nil
	})
	return r
}

// Record keeps one event; feed every event of the run, in order.
func (r *Recorder) Record(ev toolorch.Event) {
	strs := []string{ev.CallID, ev.Tool, ev.JSON, ev.Text}
	cs := make([]*C.char, len(strs))
	for i, s := range strs {
		cs[i] = C.CString(s)
		defer C.free(unsafe.Pointer(cs[i]))
	}
	C.toolorch_testing_record_fields(r.p, C.int(ev.Type), cs[0], cs[1], cs[2], cs[3], C.int(ev.State), C.int(ev.Code))
}

// RecordAll records every event of a channel (a Job's Events()) until it is
// closed, that is until the job has ended.
func (r *Recorder) RecordAll(events <-chan toolorch.Event) {
	for ev := range events {
		r.Record(ev)
	}
}

// JSON is the events recorded, to print when a test needs debugging.
func (r *Recorder) JSON() string { return C.GoString(C.toolorch_testing_recorder_json(r.p)) }

// MaxRunning is the most calls that ran at once (-1: no call start recorded;
// set Options.EmitCallStarted).
func (r *Recorder) MaxRunning() int { return int(C.toolorch_testing_recorder_max_running(r.p)) }

// Call is an expected tool call. Args is marshalled to JSON and compared as a
// JSON value (key order does not matter); nil matches any arguments.
type Call struct {
	Tool string
	Args any
}

func callsJSON(t testing.TB, calls []Call) string {
	t.Helper()
	type want struct {
		Tool string          `json:"tool"`
		Args json.RawMessage `json:"arguments,omitempty"`
	}
	ws := make([]want, len(calls))
	for i, c := range calls {
		ws[i].Tool = c.Tool
		if c.Args != nil {
			b, err := json.Marshal(c.Args)
			if err != nil {
				t.Fatalf("toolorchtest: the arguments of expected call %d (%s): %v", i, c.Tool, err)
			}
			ws[i].Args = b
		}
	}
	b, err := json.Marshal(ws)
	if err != nil {
		t.Fatalf("toolorchtest: %v", err)
	}
	return string(b)
}

func report(t testing.TB, rc C.int, msg *C.char) bool {
	t.Helper()
	if rc != 0 {
		t.Error(C.GoString(msg))
		return false
	}
	return true
}

func (r *Recorder) expectCalls(t testing.TB, calls []Call, flags C.int) bool {
	t.Helper()
	js := C.CString(callsJSON(t, calls))
	defer C.free(unsafe.Pointer(js))
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_calls(r.p, js, flags, &msg[0], msgSize), &msg[0])
}

// ExpectCalls: these calls were made, in any order (each needs a call of its
// own). Failures are reported with t.Error; the result says whether it held.
func (r *Recorder) ExpectCalls(t testing.TB, calls ...Call) bool {
	t.Helper()
	return r.expectCalls(t, calls, 0)
}

// ExpectOnlyCalls: these calls were made, and no other.
func (r *Recorder) ExpectOnlyCalls(t testing.TB, calls ...Call) bool {
	t.Helper()
	return r.expectCalls(t, calls, C.TOOLORCH_TESTING_ONLY)
}

// ExpectParallel: the calls to tool ("" for every call; at least two) all
// started before any of them ended.
func (r *Recorder) ExpectParallel(t testing.TB, tool string) bool {
	t.Helper()
	var ct *C.char
	if tool != "" {
		ct = C.CString(tool)
		defer C.free(unsafe.Pointer(ct))
	}
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_parallel(r.p, ct, &msg[0], msgSize), &msg[0])
}

// ExpectMaxRunning: at most n calls ran at once.
func (r *Recorder) ExpectMaxRunning(t testing.TB, n int) bool {
	t.Helper()
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_max_running(r.p, C.int(n), &msg[0], msgSize), &msg[0])
}

// ExpectCancelled: a call to toolOrID (a tool name or a call id; "" for any
// call) ended cancelled.
func (r *Recorder) ExpectCancelled(t testing.TB, toolOrID string) bool {
	t.Helper()
	var ct *C.char
	if toolOrID != "" {
		ct = C.CString(toolOrID)
		defer C.free(unsafe.Pointer(ct))
	}
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_cancelled(r.p, ct, &msg[0], msgSize), &msg[0])
}

// ExpectAnswer: the job ended successfully with exactly this answer.
func (r *Recorder) ExpectAnswer(t testing.TB, answer string) bool {
	t.Helper()
	ca := C.CString(answer)
	defer C.free(unsafe.Pointer(ca))
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_answer(r.p, ca, &msg[0], msgSize), &msg[0])
}

// ExpectNoDuplicateResults: no call's result was delivered twice (to the
// caller; and, with a server, to the model).
func (r *Recorder) ExpectNoDuplicateResults(t testing.TB, s *Server) bool {
	t.Helper()
	var sp *C.toolorch_testing_server
	if s != nil {
		sp = s.p
	}
	var msg [msgSize]C.char
	return report(t, C.toolorch_testing_expect_no_duplicate_results(r.p, sp, &msg[0], msgSize), &msg[0])
}
