// Command daprd is github.com/dapr/dapr/cmd/daprd built with -tags
// stablecomponents from a copy of the module that keeps only the components Kairos
// uses (DAPRD_COMPONENTS in deploy/local/lib.sh), plus two components that upstream
// registers only under -tags allcomponents:
//   - bindings.smtp: the e-mail output binding of the notifier (alpha upstream);
//   - nameresolution.sqlite: the local stack resolves app ids through a file in
//     the stack folder instead of mDNS, which multicasts on the host's network.
//
// The others (kafka, postgresql, cron, the secret stores and name resolvers) are
// upstream's own registration files.
package main

import (
	"github.com/dapr/components-contrib/bindings/smtp"
	"github.com/dapr/components-contrib/nameresolution/sqlite"
	"github.com/dapr/dapr/cmd/daprd/app"
	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
)

func init() {
	bindingsLoader.DefaultRegistry.RegisterOutputBinding(smtp.NewSMTP, "smtp")
	nrLoader.DefaultRegistry.RegisterComponent(sqlite.NewResolver, "sqlite")
}

func main() {
	app.Run()
}
