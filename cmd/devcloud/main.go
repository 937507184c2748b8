// Command devcloud is the reference service for palmd readers: it activates
// them from QR codes, configures them, takes their health reports, events
// and enrollments, and hands out the site's gallery and commands, all over
// the wire API of firmware/api. It also offers the console's management
// operations with the guide's three access levels and an audit log.
//
//	devcloud serve --dir DIR [--addr 127.0.0.1:8443]
//	devcloud [--dir DIR] site create NAME --line1 L --city C --country CC
//	devcloud [--dir DIR] template create NAME [--config FILE.json]
//	devcloud [--dir DIR] instance create NAME --site ID
//	devcloud [--dir DIR] instance configure ID --template ID
//	devcloud [--dir DIR] qr INSTANCE [--png FILE]
//	devcloud [--dir DIR] release publish FILE --version V [--arch GOARCH] [--downgrade]
//	devcloud [--dir DIR] GET|POST|PUT|DELETE /manage/PATH [JSON]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: devcloud serve --dir DIR [--addr HOST:PORT] [--events FILE]
       devcloud [--dir DIR] site create NAME --line1 ADDRESS --city CITY --country CC
       devcloud [--dir DIR] template create NAME [--config FILE.json]
       devcloud [--dir DIR] instance create NAME --site SITE
       devcloud [--dir DIR] instance configure INSTANCE --template TEMPLATE
       devcloud [--dir DIR] qr INSTANCE [--png FILE]
       devcloud [--dir DIR] release publish FILE --version V [--arch GOARCH] [--downgrade]
       devcloud [--dir DIR] GET|POST|PUT|DELETE /manage/PATH [JSON]

serve creates DIR on first start: the CA (ca.pem, the trust anchor readers
configure), the activation key (activation.pub, which readers pin), the
release key (release.pub, which readers pin for software updates), and three
API keys (admin.key, readonly.key, installer.key). The other commands call
the running service with DIR's admin key (--key FILE for another).`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if args[0] == "serve" {
		return runServe(ctx, args[1:], stdout, stderr)
	}
	return runClient(ctx, args, stdout, stderr)
}
