package store

import "crypto/rand"

// idAlphabet is base32hex in lower case: its order matches byte order, so
// local ids sort by creation time.
const idAlphabet = "0123456789abcdefghijklmnopqrstuv"

// NewLocalID returns "l" + 13 base32 characters of the creation time in
// unix nanoseconds + 4 random characters. Ids from one Store are strictly
// increasing even if the clock stalls or steps back, so they never collide
// and sort in creation order; the random tail keeps two processes apart.
func (s *Store) NewLocalID() string {
	s.idMu.Lock()
	n := s.now().UnixNano()
	if n <= s.lastID {
		n = s.lastID + 1
	}
	s.lastID = n
	s.idMu.Unlock()
	var r [4]byte
	_, _ = rand.Read(r[:]) // never fails on supported platforms (Go 1.24+)
	return localIDFor(n, r)
}

func localIDFor(nano int64, r [4]byte) string {
	var b [18]byte
	b[0] = 'l'
	u := uint64(nano)
	for i := 13; i >= 1; i-- {
		b[i] = idAlphabet[u&31]
		u >>= 5
	}
	for i, x := range r {
		b[14+i] = idAlphabet[x&31]
	}
	return string(b[:])
}
