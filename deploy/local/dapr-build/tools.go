//go:build tools

// Package tools pins the Dapr commands this module builds:
//
//	go build -tags stablecomponents ./daprd   (github.com/dapr/dapr/cmd/daprd + SQLite name resolution)
//	and the control plane: scheduler, sentry, operator, injector, placement
//	(one go build; see DAPR_CONTROL_PLANE_CMDS in ../lib.sh)
//
// The build tag keeps this file out of every normal build.
package tools

import (
	_ "github.com/dapr/dapr/cmd/injector"
	_ "github.com/dapr/dapr/cmd/operator"
	_ "github.com/dapr/dapr/cmd/placement"
	_ "github.com/dapr/dapr/cmd/scheduler"
	_ "github.com/dapr/dapr/cmd/sentry"
)
