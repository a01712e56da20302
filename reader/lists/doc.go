// Package lists is the reader side of the signed trust and revocation
// lists: a Fetcher gets them over HTTP from the list server (the emulated
// portal, or the real one), verifies them with the pinned list-authority
// key, refuses rollbacks, and keeps the last good ones in an on-disk cache
// for when the server cannot be reached. It implements reader.ListSource.
//
//	f, err := lists.NewFetcher(lists.FetcherConfig{BaseURL: url, CacheDir: dir, Authority: key})
//	rl, err := f.RevocationList(ctx) // then verifier.SetRevocationList(rl)
//
// The rules, for each list:
//
//   - The request carries If-None-Match with the ETag of the list held; a
//     304 answer returns the held list.
//   - A list is verified (credential.ParseTrustList or ParseRevocationList)
//     before it is cached or returned: an unsigned, tampered, malformed or
//     oversized list is never used nor cached, and the error says why.
//   - A verified list with a lower Seq than the one held is refused with
//     credential.ErrRollback; the held one stays.
//   - When the server is unreachable (network error, timeout, error
//     status) the held list is returned with no error: the
//     credential.Verifier then applies its offline grace period and fails
//     with credential.ErrRevocationListStale beyond it. With no list held,
//     the error wraps ErrUnreachable.
//   - The cache is written atomically (temporary file, fsync, rename) and
//     re-verified when read, so a damaged or tampered cache file is ignored.
//
// Every fetch is bounded by the caller's context and by
// FetcherConfig.Timeout; a cancelled context returns its error, not the
// cached list.
package lists
