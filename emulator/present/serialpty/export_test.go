//go:build linux || darwin

package serialpty

// IoctlGetTermios is the ioctl that reads a terminal's attributes here.
const IoctlGetTermios = ioctlGetTermios
