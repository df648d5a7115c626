//go:build race

package toolorch

// The race detector's own memory grows with every goroutine it has seen, so
// the leak checks run in a second pass without it (see ../run_tests.sh).
const raceDetector = true
