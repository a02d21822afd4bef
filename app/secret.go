package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// tokenSecret returns the key material that seals nextTokens: SKYGRAPH_TOKEN_SECRET, else
// the Secrets Manager secret named by SKYGRAPH_TOKEN_SECRET_ARN (read once, at start), else
// a random secret for this process only — fine for one local process, wrong for several
// instances, which is why it is logged outside embedded mode.
func (a *App) tokenSecret(ctx context.Context, cfg Config) ([]byte, error) {
	if cfg.TokenSecret != "" {
		return []byte(cfg.TokenSecret), nil
	}
	if cfg.TokenSecretARN != "" {
		var opts []func(*config.LoadOptions) error
		if cfg.Region != "" {
			opts = append(opts, config.WithRegion(cfg.Region))
		}
		awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("token secret: load AWS config: %w", err)
		}
		out, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(cfg.TokenSecretARN),
		})
		if err != nil {
			return nil, fmt.Errorf("token secret: read %s: %w", cfg.TokenSecretARN, err)
		}
		if s := aws.ToString(out.SecretString); len(s) >= 16 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("token secret: %s holds no string of at least 16 bytes", cfg.TokenSecretARN)
	}
	if !cfg.Embedded() {
		a.log.Warn("neither SKYGRAPH_TOKEN_SECRET nor SKYGRAPH_TOKEN_SECRET_ARN is set: nextTokens will not survive a restart or work across instances")
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return secret, nil
}
