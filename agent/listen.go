package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/apcvkit/apcvkit/internal/desk"
)

// CheckAddr checks the address the agent is to listen on: a loopback
// address (127.0.0.0/8, ::1, localhost) always; any other only with
// allowRemote and TLS (withTLS), else ErrRemoteNeedsTLS. An empty host
// (":7723", all interfaces) is not loopback. A malformed address is a
// configuration error (desk.ErrBadConfig, code bad-config).
func CheckAddr(addr string, allowRemote, withTLS bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("agent: listen address %q: %w (%w)", addr, desk.ErrBadConfig, err)
	}
	if loopbackHost(host) {
		return nil
	}
	if allowRemote && withTLS {
		return nil
	}
	return fmt.Errorf("agent: listen address %q is not loopback: %w", addr, ErrRemoteNeedsTLS)
}

// loopbackHost reports whether host (no port) names this computer only.
func loopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// loopbackHostHeader reports whether a request's Host header (with or
// without a port) names this computer: a page on a rebound DNS name
// (attacker.example resolving to 127.0.0.1) is refused.
func loopbackHostHeader(h string) bool {
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	return loopbackHost(h)
}
