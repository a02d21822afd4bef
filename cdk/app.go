package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Stack names. The API stack's name depends on the flavour, so both flavours can be
// deployed side by side against the same table and pool.
const (
	stackData    = "SkygraphData"
	stackAuth    = "SkygraphAuth"
	stackLambda  = "SkygraphLambdaApi"
	stackFargate = "SkygraphFargateApi"
)

// Skygraph is the whole app's stacks; Lambda or Fargate is nil, as the flavour says.
type Skygraph struct {
	Config  Config
	Data    *DataStack
	Auth    *AuthStack
	Lambda  *LambdaStack
	Fargate *FargateStack
}

// NewSkygraph reads the app's context and declares its stacks, with the AwsSolutions
// cdk-nag checks on all of them.
func NewSkygraph(app awscdk.App) (*Skygraph, error) {
	cfg, err := LoadConfig(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		return nil, err
	}
	s := &Skygraph{Config: cfg}
	s.Data = NewDataStack(app, stackData, cfg)
	s.Auth = NewAuthStack(app, stackAuth, cfg)
	switch cfg.Flavour {
	case flavourFargate:
		s.Fargate = NewFargateStack(app, stackFargate, cfg, s.Data, s.Auth)
	default:
		dir, placeholder, err := cfg.LambdaAssetDir()
		if err != nil {
			return nil, err
		}
		s.Lambda = NewLambdaStack(app, stackLambda, cfg, s.Data, s.Auth, dir)
		if placeholder {
			awscdk.Annotations_Of(s.Lambda.Function).AddWarningV2(jsii.String("skygraph:placeholderBootstrap"), jsii.String(
				cfg.LambdaAsset+"/bootstrap does not exist: a placeholder that fails every invocation is packaged. "+
					"Run `make lambda` at the repository root before `cdk deploy`."))
		}
	}
	awscdk.Tags_Of(app).Add(jsii.String("project"), jsii.String("skygraph"), nil)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return s, nil
}
