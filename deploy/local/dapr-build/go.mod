// Wrapper module that builds daprd (./daprd: upstream daprd + the SQLite name
// resolver), the Dapr scheduler and Sentry from source.
// github.com/dapr/dapr cannot be `go install`ed because its go.mod carries
// `replace` directives; a module that requires it and repeats those
// directives builds the same binaries. Keep DAPR_VERSION in ../versions.env,
// the require line and the replace blocks below in step (provision.sh checks).
module kairos.local/dapr-build

go 1.26.0

require (
	github.com/dapr/components-contrib v1.17.3
	github.com/dapr/dapr v1.17.5
)

// dapr v1.17.5 pins durabletask-go v0.11.1 and go-etcd-cron v0.12.4, which the
// Go module proxy reachable here does not serve; the nearest later patch
// releases are used instead (same minor version, API-compatible).
require (
	github.com/dapr/durabletask-go v0.11.3 // indirect
	github.com/diagridio/go-etcd-cron v0.12.7 // indirect
)

// Copied from github.com/dapr/dapr@v1.17.5/go.mod.
replace (
	dubbo.apache.org/dubbo-go/v3 => dubbo.apache.org/dubbo-go/v3 v3.0.3-0.20230118042253-4f159a2b38f3
	gopkg.in/couchbaselabs/gocbconnstr.v1 => github.com/couchbaselabs/gocbconnstr v1.0.5
)

replace (
	github.com/chenzhuoyu/iasm => github.com/chenzhuoyu/iasm v0.9.0
	github.com/chzyer/logex => github.com/chzyer/logex v1.2.1
	github.com/gobwas/pool => github.com/gobwas/pool v0.2.1
	github.com/toolkits/concurrent => github.com/niean/gotools v0.0.0-20151221085310-ff3f51fc5c60
)
