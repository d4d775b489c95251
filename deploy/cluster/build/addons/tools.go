//go:build tools

// The commands this module builds besides ./coredns (build.sh passes the same list to one go build).
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
