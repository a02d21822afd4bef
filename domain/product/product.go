// Package product is the product catalog that prices orders: products, their validation,
// filters and the Service that the GraphQL resolvers and the order saga use.
//
// Prices are integers in the currency's minor units (cents), the unit the payment port
// captures, so an order total is an exact sum and never a rounded float. The catalog is
// the only source of prices: an order never trusts a price a client sends.
//
// The package knows nothing of GraphQL or DynamoDB. It defines the Repository it needs;
// package dynamo implements it.
package product

import (
	"regexp"
	"strings"
	"time"

	"github.com/skygraph/skygraph/domain/payment"
	"github.com/skygraph/skygraph/internal/apperr"
)

// Product is one sellable article.
type Product struct {
	ID string
	// SKU is the merchant's stock-keeping unit, unique in the catalog (upper-cased).
	SKU         string
	Name        string
	Description string
	// Price is in minor units of Currency (1999 = 19.99 EUR).
	Price    int
	Currency string
	// Stock is the number of units left to sell; orders decrement it atomically and never
	// below zero, cancellations put units back.
	Stock int
	// Held is the number of units that open orders (placed, paid or shipped, not yet
	// delivered or cancelled) hold. A product with held units cannot be deleted: an order
	// must never lose the product it was priced from.
	Held      int
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts catalog edits (not stock changes by orders); edits are conditional
	// on it so that two Admins cannot silently overwrite each other.
	Version int64
}

// Limits on field values. They keep junk out of the catalog and bound item sizes.
const (
	// MaxPrice is what one unit may cost: the payment port captures at most
	// payment.MaxAmount for a whole order.
	MaxPrice = payment.MaxAmount
	// MaxStock bounds the units of one product.
	MaxStock       = 1_000_000
	maxSKULen      = 64
	maxNameLen     = 200
	maxDescription = 2_000
	maxIDLen       = 64
)

var (
	skuRE      = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_.-]*$`)
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	idRE       = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// ValidateID checks a product id before it goes near a storage key.
func ValidateID(field, id string) error {
	if len(id) == 0 || len(id) > maxIDLen || !idRE.MatchString(id) {
		return apperr.New(apperr.BadRequest, "%s: must be 1-%d characters of A-Z, a-z, 0-9, _ and -", field, maxIDLen)
	}
	return nil
}

// NormalizeSKU upper-cases and trims a SKU, so that "ab-1" and "AB-1" are one SKU.
func NormalizeSKU(sku string) string { return strings.ToUpper(strings.TrimSpace(sku)) }

// Normalize validates p and normalises its SKU and texts. It returns a BadRequest naming
// the first invalid field.
func (p *Product) Normalize() error {
	if err := ValidateID("id", p.ID); err != nil {
		return err
	}
	p.SKU = NormalizeSKU(p.SKU)
	if len(p.SKU) == 0 || len(p.SKU) > maxSKULen || !skuRE.MatchString(p.SKU) {
		return apperr.New(apperr.BadRequest, "sku: must be 1-%d characters of A-Z, 0-9, _, . and -", maxSKULen)
	}
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" || len(p.Name) > maxNameLen {
		return apperr.New(apperr.BadRequest, "name: must be 1-%d characters", maxNameLen)
	}
	p.Description = strings.TrimSpace(p.Description)
	if len(p.Description) > maxDescription {
		return apperr.New(apperr.BadRequest, "description: must be at most %d characters", maxDescription)
	}
	if p.Price < 1 || p.Price > MaxPrice {
		return apperr.New(apperr.BadRequest, "price: must be between 1 and %d (minor units, e.g. cents)", MaxPrice)
	}
	if !currencyRE.MatchString(p.Currency) {
		return apperr.New(apperr.BadRequest, "currency: %q is not an ISO 4217 code such as EUR", p.Currency)
	}
	if p.Stock < 0 || p.Stock > MaxStock {
		return apperr.New(apperr.BadRequest, "stock: must be between 0 and %d", MaxStock)
	}
	return nil
}
