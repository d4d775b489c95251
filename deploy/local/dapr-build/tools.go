//go:build tools

// Package tools pins the Dapr commands this module builds:
//
//	go build -tags stablecomponents ./daprd   (github.com/dapr/dapr/cmd/daprd + SQLite name resolution)
//	go build github.com/dapr/dapr/cmd/scheduler
//	go build github.com/dapr/dapr/cmd/sentry
//
// The build tag keeps this file out of every normal build.
package tools

import (
	_ "github.com/dapr/dapr/cmd/scheduler"
	_ "github.com/dapr/dapr/cmd/sentry"
)
