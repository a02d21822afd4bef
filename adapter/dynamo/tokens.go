package dynamo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skygraph/skygraph/internal/apperr"
)

// Tokenizer turns a DynamoDB LastEvaluatedKey into an opaque nextToken and back.
//
// Tokens are sealed with AES-256-GCM: clients cannot read the key (which holds ids and
// key formats) or forge one, and the query a token was made for is bound in as associated
// data, so replaying it on another query (another route, filter or sort order) fails.
// Every failure is a BadRequest, never a 500.
type Tokenizer struct{ aead cipher.AEAD }

// tokenVersion prefixes every token so the format can change without misreading old ones.
const tokenVersion byte = 1

// maxTokenLen bounds the input before any decoding work.
const maxTokenLen = 2048

// NewTokenizer derives the sealing key from secret. All instances serving one API must
// share the secret, or a token from one is rejected by another.
func NewTokenizer(secret []byte) (*Tokenizer, error) {
	if len(secret) < 16 {
		return nil, fmt.Errorf("token secret: need at least 16 bytes, got %d", len(secret))
	}
	key := sha256.Sum256(append([]byte("skygraph nextToken v1\x00"), secret...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, fmt.Errorf("token cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("token cipher: %w", err)
	}
	return &Tokenizer{aead: aead}, nil
}

// Seal returns the token for key, bound to scope (a canonical description of the query).
// Only string key attributes are supported, which is all this table has.
func (t *Tokenizer) Seal(key map[string]types.AttributeValue, scope string) (string, error) {
	plain := make(map[string]string, len(key))
	for k, v := range key {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("token: key attribute %s is %T, not a string", k, v)
		}
		plain[k] = s.Value
	}
	body, err := json.Marshal(plain)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	nonce := make([]byte, t.aead.NonceSize(), t.aead.NonceSize()+len(body)+t.aead.Overhead()+1)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("token nonce: %w", err)
	}
	out := t.aead.Seal(nonce, nonce, body, []byte(scope))
	return base64.RawURLEncoding.EncodeToString(append([]byte{tokenVersion}, out...)), nil
}

// Open returns the key sealed in token, or a BadRequest when the token is malformed,
// forged, or was made for another scope.
func (t *Tokenizer) Open(token, scope string) (map[string]types.AttributeValue, error) {
	bad := apperr.New(apperr.BadRequest, "nextToken: invalid, or made for a different query")
	if len(token) > maxTokenLen {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	ns := t.aead.NonceSize()
	if err != nil || len(raw) < 1+ns+t.aead.Overhead() || raw[0] != tokenVersion {
		return nil, bad
	}
	raw = raw[1:]
	body, err := t.aead.Open(nil, raw[:ns], raw[ns:], []byte(scope))
	if err != nil {
		return nil, bad
	}
	var plain map[string]string
	if err := json.Unmarshal(body, &plain); err != nil {
		return nil, bad
	}
	key := make(map[string]types.AttributeValue, len(plain))
	for k, v := range plain {
		key[k] = &types.AttributeValueMemberS{Value: v}
	}
	return key, nil
}
