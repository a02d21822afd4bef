package localidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
)

// KeyBits is the size of the generated signing key, the size Cognito uses.
const KeyBits = 2048

// JWKSPath is where the JWKS is conventionally served, relative to the issuer (Cognito
// serves <issuer>/.well-known/jwks.json). Mount JWKSHandler there.
const JWKSPath = "/.well-known/jwks.json"

// GenerateKeyPEM returns a new RSA-2048 private key as PKCS#8 PEM, for Config.PrivateKeyPEM
// when tokens must stay valid across restarts.
func GenerateKeyPEM() ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encode RSA key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parseKeyPEM reads an RSA private key in PKCS#1 ("RSA PRIVATE KEY") or PKCS#8
// ("PRIVATE KEY") PEM. Keys shorter than KeyBits are refused.
func parseKeyPEM(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("private key: no PEM block found")
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("private key: %T is not an RSA key (tokens are RS256)", k)
		}
		key = rk
	default:
		return nil, fmt.Errorf("private key: unexpected PEM block %q", block.Type)
	}
	if key.N.BitLen() < KeyBits {
		return nil, fmt.Errorf("private key: %d bits, need at least %d", key.N.BitLen(), KeyBits)
	}
	return key, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func rsaE(pub *rsa.PublicKey) string { return b64(big.NewInt(int64(pub.E)).Bytes()) }

// thumbprint is the key's RFC 7638 JWK thumbprint: a stable id derived from the public
// key alone, so the kid stays the same for the same key across restarts and replicas.
func thumbprint(pub *rsa.PublicKey) string {
	// RFC 7638 §3.2: the required members in lexicographic order, no whitespace.
	canonical := fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, rsaE(pub), b64(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// jwksJSON renders the public key as a JSON Web Key Set with the members Cognito's has.
func jwksJSON(pub *rsa.PublicKey, kid string) []byte {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{{Alg: "RS256", E: rsaE(pub), Kid: kid, Kty: "RSA", N: b64(pub.N.Bytes()), Use: "sig"}}}
	out, err := json.Marshal(set)
	if err != nil {
		panic(err) // strings only; cannot fail
	}
	return out
}

// JWKS returns the JSON Web Key Set with the provider's public signing key: what a
// verifier needs (e.g. keyfunc.NewJWKSetJSON) to check the tokens it issues. The private
// key never leaves the provider.
func (p *Provider) JWKS() []byte { return append([]byte(nil), p.jwks...) }

// KeyID is the kid of the signing key (its RFC 7638 thumbprint), in every token's header.
func (p *Provider) KeyID() string { return p.kid }

// PublicKey returns the public half of the signing key.
func (p *Provider) PublicKey() *rsa.PublicKey { return &p.key.PublicKey }

// JWKSHandler serves JWKS() (GET and HEAD), for mounting at JWKSPath so that a verifier
// configured with a JWKS URL treats the local provider like a Cognito pool.
func (p *Provider) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		if r.Method == http.MethodGet {
			_, _ = w.Write(p.jwks)
		}
	})
}
