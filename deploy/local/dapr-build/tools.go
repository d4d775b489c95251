//go:build tools

// Package tools pins the Dapr commands this module builds:
//
//	go build -tags stablecomponents github.com/dapr/dapr/cmd/daprd
//	go build github.com/dapr/dapr/cmd/scheduler
//	go build github.com/dapr/dapr/cmd/sentry
//
// The build tag keeps this file out of every normal build.
package tools

import (
	_ "github.com/dapr/dapr/cmd/daprd"
	_ "github.com/dapr/dapr/cmd/scheduler"
	_ "github.com/dapr/dapr/cmd/sentry"
)
