package main

import (
	"slices"
	"testing"
)

// TestServiceConfig: the service each system gets from apcv agent install.
// Only Linux's is installed in the tests (agent_linux_test.go); here, the
// configuration kardianos/service receives on each: a user service where
// the system has them (systemd --user, a launchd LaunchAgent kept alive and
// started at load), a Windows service (system-wide, restarted on failure),
// all running apcv agent serve with the install's flags.
func TestServiceConfig(t *testing.T) {
	args := []string{"--emulate=isere-solo", "--token-file=/home/desk/.config/apcvkit/agent-token"}
	for _, tc := range []struct {
		goos string
		user bool
	}{
		{"linux", true},
		{"darwin", true},
		{"windows", false},
	} {
		t.Run(tc.goos, func(t *testing.T) {
			c, err := serviceConfigFor(tc.goos, args)
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != "apcv-agent" || c.Executable == "" || !slices.Equal(c.Arguments, append([]string{"agent", "serve"}, args...)) {
				t.Errorf("service %q runs %q %q", c.Name, c.Executable, c.Arguments)
			}
			o := c.Option
			if o["UserService"] != tc.user || o["OnFailure"] != "restart" || o["KeepAlive"] != true || o["RunAtLoad"] != true ||
				o["SystemdScript"] != systemdUnit {
				t.Errorf("options %v: want UserService %v, restarted on failure, kept alive, run at load, our systemd unit", o, tc.user)
			}
		})
	}
}
