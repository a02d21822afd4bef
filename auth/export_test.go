package auth

// Evaluated is the number of object-independent decisions z has made rather than
// remembered.
func (z *Authz) Evaluated() int { return int(z.evaluated.Load()) }
