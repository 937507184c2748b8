// Command palmd is the reader's firmware daemon.
//
// It loads the local hardware configuration, builds the hardware (real or
// simulated) and the ports of firmware/appliance, runs the appliance until
// SIGTERM or SIGINT, and tells systemd when it is ready and alive. It is
// wiring only: what the reader does lives in firmware/.
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

	"github.com/palmd/palmd/firmware/appliance"
	"github.com/palmd/palmd/firmware/localconfig"
	"github.com/palmd/palmd/firmware/store"
)

// version is the software version reported to the service and compared
// with its releases; a release build sets it with
// -ldflags "-X main.version=V".
var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	restart, h, err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err == nil && restart.Reason != "" {
		err = restartAs(restart, h)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "palmd:", err)
		os.Exit(1)
	}
}

// platform is what palmd runs on: real hardware or simulators, started from
// A/B slots by a bootloader or not.
type platform struct {
	real    bool
	slotted bool
}

// restartAs starts the reader again: into an installed update, by
// rebooting a real reader the service asked to reboot, or, in simulation,
// by replacing this process with a fresh palmd as a reboot would. A
// reader with slots restarts through its bootloader, which picks the
// slot: a real one reboots, a simulated one exits for palmctl boot.
func restartAs(r appliance.Restart, h platform) error {
	exe := r.Program
	switch {
	case h.slotted && h.real, exe == "" && h.real:
		return rebootDevice()
	case h.slotted:
		return nil
	}
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	return syscall.Exec(exe, os.Args, os.Environ())
}

// run is main without the process: flags, config, logging, then serve
// until ctx ends or the reader must restart; h says how it restarts.
func run(ctx context.Context, args []string, logOut io.Writer) (restart appliance.Restart, h platform, err error) {
	var opts options
	fs, configPath, showVersion := flags(&opts, logOut)
	if err := fs.Parse(args); err != nil {
		return restart, h, err
	}
	if *showVersion {
		fmt.Fprintln(logOut, "palmd", version)
		return restart, h, nil
	}
	cfg, err := localconfig.Load(*configPath)
	if err != nil {
		return restart, h, err
	}
	if opts.badge != "" {
		if err := badgeFlag(opts.badge, cfg); err != nil {
			return restart, h, err
		}
	}
	opts.fill(cfg, fs)
	if opts.check {
		fmt.Fprintf(logOut, "palmd: %s: valid (backend %s)\n", *configPath, cfg.Device.Backend)
		return restart, h, nil
	}
	h = platform{real: cfg.Device.Backend == localconfig.BackendReal, slotted: cfg.Service.Slots != ""}
	log := newLogger(logOut, cfg.Device.LogLevel).With("device", cfg.Device.Name)
	log.Info("starting", "version", version, "config", *configPath, "backend", cfg.Device.Backend)

	// The store's file lock also keeps a second palmd off the same
	// hardware. It closes last, after every goroutine that uses it.
	db, err := store.Open(cfg.Device.StateDir)
	if err != nil {
		return restart, h, err
	}
	defer db.Close()
	r, err := build(cfg, db, log, opts)
	if err != nil {
		return restart, h, err
	}
	defer r.close()
	restart, err = serve(ctx, r, log)
	return restart, h, err
}

// serve runs the reader, reports readiness to systemd and says when it
// stops.
func serve(ctx context.Context, r *reader, log *slog.Logger) (appliance.Restart, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		restart appliance.Restart
		err     error
	}
	done := make(chan result, 1)
	go func() {
		rs, err := r.run(ctx)
		done <- result{rs, err}
	}()
	select {
	case <-r.app.Ready():
	case res := <-done:
		return res.restart, errors.Join(errors.New("palmd: stopped before it was ready"), res.err)
	}
	if err := r.notifier.Notify("READY=1"); err != nil {
		log.Warn("systemd notify", "err", err)
	}
	log.Info("ready")
	res := <-done
	_ = r.notifier.Notify("STOPPING=1")
	if res.err != nil {
		return res.restart, res.err
	}
	log.Info("stopped")
	return res.restart, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by localconfig
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// flags are palmd's command line: the local file, and what replaces
// parts of it for one run.
func flags(opts *options, out io.Writer) (fs *flag.FlagSet, configPath *string, showVersion *bool) {
	fs = flag.NewFlagSet("palmd", flag.ContinueOnError)
	fs.SetOutput(out)
	configPath = fs.String("config", "/etc/palmd/palmd.toml", "local hardware configuration (TOML)")
	showVersion = fs.Bool("version", false, "print the version and exit")
	fs.BoolVar(&opts.check, "check", false, "load and validate the configuration, say so and exit (touches no hardware)")
	fs.StringVar(&opts.ui, "ui", "", "serve the touchscreen page on this loopback address (e.g. 127.0.0.1:8080) instead of [ui] address; empty: log the screens")
	fs.StringVar(&opts.lightring, "lightring", "", "SPI port of the WS2812-type LED ring (e.g. SPI0.0) instead of [lightring] spi; real hardware only")
	fs.IntVar(&opts.leds, "leds", localconfig.DefaultLEDs, "LEDs on the ring instead of [lightring] leds")
	fs.StringVar(&opts.speaker, "speaker", "", "ALSA device of the speaker (e.g. default) instead of [speaker] device; real hardware only")
	fs.StringVar(&opts.badge, "badge", "", "the enrollment desk's badge scanner instead of the local file's [badge]: wedge:DEVICE|NAME, serial:DEVICE[@BAUD], osdp:DEVICE[@BAUD][#ADDR], wiegand:D0,D1; in simulation sim:wedge (default), sim:serial, sim:osdp or sim:wiegand")
	fs.DurationVar(&opts.result, "result-time", localconfig.DefaultResultTime, "how long an entry's outcome (granted, denied, ...) stays on the screen, instead of [ui] result_time")
	return fs, configPath, showVersion
}
