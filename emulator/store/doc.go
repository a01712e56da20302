// Package store writes the emulator's state files so that a crash, power
// loss or kill -9 at any moment leaves either the previous or the new
// content of a file, never a torn one, and never loses a write that
// returned. The issuer (emulator/issuer) and the phone (emulator/phone) keep
// their --state directories through it:
//
//	err := store.WriteFile(dir, "state.json", data, 0o600) // durable when it returns nil
//	data, err := store.ReadFile(dir, "state.json", 1<<20)   // fs.ErrNotExist when never written
//
// WriteFile writes a temporary file in the same directory, syncs it, renames
// it over the target and syncs the directory (on Windows, which cannot sync
// a directory, the rename itself is write-through). A writer killed half-way leaves
// a temporary file behind (".NAME.tmp-*"): readers never look at it, and
// RemoveTemp clears them when a state directory is opened.
package store
