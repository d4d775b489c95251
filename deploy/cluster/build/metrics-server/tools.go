//go:build tools

// The command this module builds (build.sh: go build sigs.k8s.io/metrics-server/cmd/metrics-server).
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
