// Command palmd is the reader's firmware daemon.
//
// It loads the local hardware configuration, builds the hardware (real or
// simulated), runs the appliance until SIGTERM or SIGINT, and tells systemd
// when it is ready and alive.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/sdnotify"
	"github.com/palmd/palmd/firmware/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	var rb *rebootError
	if errors.As(err, &rb) {
		err = restart(rb.device, rb.program)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "palmd:", err)
		os.Exit(1)
	}
}

// restart reboots the reader, or in simulation replaces this process with
// a fresh palmd (the updated program, if one was installed), as a reboot
// would.
func restart(device bool, program string) error {
	if device {
		return rebootDevice()
	}
	exe := program
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	return syscall.Exec(exe, os.Args, os.Environ())
}

// run is main without the process: flags, config, logging, then serve until
// ctx ends.
func run(ctx context.Context, args []string, logOut io.Writer) error {
	fs := flag.NewFlagSet("palmd", flag.ContinueOnError)
	fs.SetOutput(logOut)
	configPath := fs.String("config", "/etc/palmd/palmd.toml", "local hardware configuration (TOML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := localconfig.Load(*configPath)
	if err != nil {
		return err
	}
	log := newLogger(logOut, cfg.Device.LogLevel).With("device", cfg.Device.Name)
	log.Info("starting", "config", *configPath, "backend", cfg.Device.Backend)

	// The store's file lock also keeps a second palmd off the same hardware.
	db, err := store.Open(cfg.Device.StateDir)
	if err != nil {
		return err
	}
	defer db.Close()
	app, err := newAppliance(cfg, db, log)
	if err != nil {
		return err
	}
	return serve(ctx, app, log)
}

// serve runs the appliance, reports readiness and feeds the watchdog.
func serve(ctx context.Context, app *appliance, log *slog.Logger) error {
	notifier := sdnotify.FromEnv()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	done := make(chan error, 1)
	go func() { done <- app.Run(ctx) }()
	if err := app.WaitStarted(ctx); err != nil {
		cancel()
		return errors.Join(err, <-done)
	}
	if err := notifier.Notify("READY=1"); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	log.Info("ready")
	go func() {
		if err := notifier.Watchdog(ctx, sdnotify.WatchdogInterval(), app.Alive); err != nil {
			log.Warn("systemd watchdog", "err", err)
		}
	}()

	err := <-done
	_ = notifier.Notify("STOPPING=1")
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	log.Info("stopped")
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by localconfig
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
