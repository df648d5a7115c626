package toolorch

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startMock runs the project's scripted LLM server (its path comes from ctest
// in TOOLORCH_MOCKLLM) on a free loopback port with script, and returns the
// options that point an orchestrator at it.
func startMock(t *testing.T, script string) string {
	t.Helper()
	bin := os.Getenv("TOOLORCH_MOCKLLM")
	if bin == "" {
		t.Fatal("TOOLORCH_MOCKLLM must name the toolorch-mockllm program (ctest sets it)")
	}
	dir := t.TempDir()
	scriptFile := filepath.Join(dir, "script.json")
	if err := os.WriteFile(scriptFile, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--port", "0", "--port-file", filepath.Join(dir, "port"), "--script", scriptFile)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			if strings.HasPrefix(s.Text(), "listening on ") {
				line <- strings.TrimPrefix(s.Text(), "listening on ")
			}
		}
	}()
	select {
	case addr := <-line:
		return fmt.Sprintf(`{"llm": {"protocol": "openai", "base_url": "http://%s", "api_key": "test", "model": "mock"}}`, addr)
	case <-time.After(30 * time.Second):
		t.Fatal("the scripted LLM server did not start")
	}
	return ""
}
