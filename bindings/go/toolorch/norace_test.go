//go:build !race

package toolorch

const raceDetector = false
