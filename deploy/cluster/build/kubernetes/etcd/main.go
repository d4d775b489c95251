// etcd, exactly as upstream's server/main.go: the module's own main package
// cannot be built from outside its repository (its go.mod replaces siblings by path).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
