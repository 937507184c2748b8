package main

import (
	"context"
	"os"
	"testing"
)

// TestMain lets tests run this binary as palmctl itself in a child
// process: with PALMCTL_AS_MAIN=1 it dispatches os.Args like main.
func TestMain(m *testing.M) {
	if os.Getenv("PALMCTL_AS_MAIN") == "1" {
		os.Exit(dispatch(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
