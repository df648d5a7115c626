// The example agent, in Go: a weather tool written in Go, a job that asks
// about three cities, the model's calls run at once, text streamed as it
// comes. With OPENAI_API_KEY set it talks to OpenAI; otherwise it starts the
// project's scripted LLM server (TOOLORCH_MOCKLLM) on a free loopback port.
//
//	cmake --build build --target run_example_go
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"toolorch.dev/go/toolorch"
)

const prompt = "What is the weather in Paris, Oslo and Lima? Which city is warmest?"

// What the scripted server plays when there is no API key.
const script = `{"rounds": [
  {"text": "Let me check the three cities. ", "tool_calls": [
     {"name": "weather", "arguments": {"city": "Paris"}},
     {"name": "weather", "arguments": {"city": "Oslo"}},
     {"name": "weather", "arguments": {"city": "Lima"}}]},
  {"text": "Here is what the weather tool says: {tool_results}. Lima is the warmest."}],
 "chunk_gap_ms": 5}`

var temperatures = map[string]int{"Paris": 18, "Oslo": 7, "Lima": 24}

// weather is the tool: a fixed table, and a pause to show the calls overlap.
func weather(ctx context.Context, args json.RawMessage) (string, error) {
	var a struct{ City string }
	if err := json.Unmarshal(args, &a); err != nil {
		return "", err
	}
	select {
	case <-time.After(300 * time.Millisecond):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	c, ok := temperatures[a.City]
	if !ok {
		return "", fmt.Errorf("no weather station in %q", a.City)
	}
	return fmt.Sprintf(`{"city":%q,"celsius":%d}`, a.City, c), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	llm := &toolorch.LLM{Protocol: "openai", APIKeyEnv: "OPENAI_API_KEY", Model: "gpt-4o-mini"}
	if os.Getenv("OPENAI_API_KEY") == "" {
		addr, stop, err := startMock()
		if err != nil {
			return err
		}
		defer stop()
		llm = &toolorch.LLM{Protocol: "openai", BaseURL: "http://" + addr, APIKey: "none", Model: "mock"}
		fmt.Fprintln(os.Stderr, "(no OPENAI_API_KEY: using the scripted LLM server at", addr+")")
	}
	o, err := toolorch.New(toolorch.Options{LLM: llm})
	if err != nil {
		return err
	}
	defer o.Close()
	schema := `{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}`
	if err := o.RegisterTool("weather", "Current temperature of a city", schema, toolorch.ToolSideEffectFree, weather); err != nil {
		return err
	}

	// Ctrl-C cancels the job.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	start := time.Now()
	job, err := o.StartJob(ctx, `{"prompt": `+quote(prompt)+`, "max_rounds": 4}`)
	if err != nil {
		return err
	}
	for ev := range job.Events() {
		switch ev.Type {
		case toolorch.EventTextDelta:
			fmt.Print(ev.Text)
		case toolorch.EventLLMToolCall:
			fmt.Fprintf(os.Stderr, "\n  -> %s %s", ev.Tool, ev.JSON)
		case toolorch.EventCallResult:
			fmt.Fprintf(os.Stderr, "\n  <- %s %s after %v: %s", ev.Tool, ev.State, ev.RunTime.Round(time.Millisecond), ev.Text)
		case toolorch.EventRoundDone:
			fmt.Println()
		}
	}
	res, err := job.Wait()
	if err != nil {
		return err
	}
	fmt.Printf("\n\nanswer: %s\n(%d+%d tokens, %v)\n", res.Text, res.InputTokens, res.OutputTokens,
		time.Since(start).Round(time.Millisecond))
	return nil
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// startMock runs toolorch-mockllm with the script above.
func startMock() (addr string, stop func(), err error) {
	bin := os.Getenv("TOOLORCH_MOCKLLM")
	if bin == "" {
		bin = "../../build/tools/mockllm/toolorch-mockllm"
	}
	dir, err := os.MkdirTemp("", "toolorch-example")
	if err != nil {
		return "", nil, err
	}
	file := filepath.Join(dir, "script.json")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(bin, "--port", "0", "--script", file)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting the scripted LLM server %s: %w (set TOOLORCH_MOCKLLM)", bin, err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		os.RemoveAll(dir)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		stop()
		return "", nil, fmt.Errorf("the scripted LLM server did not start: %q %v", line, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "listening on ")), stop, nil
}
