package product

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/skygraph/skygraph/internal/apperr"
	"github.com/skygraph/skygraph/internal/filter"
)

// Paging limits, as for every listing.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Page is one page of products. NextToken is empty on the last page.
type Page struct {
	Items     []*Product
	NextToken string
}

// ListQuery asks for all products, oldest first (ids are UUIDv7).
type ListQuery struct {
	Filter    *Filter
	Limit     int
	NextToken string
}

// Repository stores products and their SKU guards. Implementations must honour these
// contracts, which the suite in package producttest checks against every implementation:
//
//   - Create stores p and claims p.SKU in one atomic write; when the SKU is taken (or the
//     id exists) it writes nothing and returns Conflict.
//   - Get returns the product, strongly consistent (stock must be current); NotFound when
//     there is none. GetMany returns those that exist, keyed by id (missing ids absent,
//     duplicates allowed).
//   - Update writes next's catalog fields over prev when the stored Version is still
//     prev.Version and stores Version+1; otherwise Conflict and nothing written. Stock is
//     never written from the stale copy: the change next.Stock − prev.Stock is applied
//     atomically to the stored stock (concurrent orders are never lost), and BadRequest is
//     returned, writing nothing, if that would take it below zero. A changed SKU moves its
//     guard in the same atomic write (Conflict when the new SKU is taken).
//   - Delete removes the product and frees its SKU in one atomic write, only if the
//     stored Version is prev.Version and no open order holds units (Held = 0): else
//     Conflict (NotFound when it is gone). An order never loses its product.
//   - List returns pages of at most Limit products matching Filter in id order, full
//     unless the data is exhausted, with a NextToken that resumes exactly after the last
//     one; a NextToken made for another query is a BadRequest.
//   - Unavailable and Internal errors leave the outcome of a write unknown; every other
//     error means nothing was written.
type Repository interface {
	Create(ctx context.Context, p *Product) error
	Get(ctx context.Context, id string) (*Product, error)
	GetMany(ctx context.Context, ids []string) (map[string]*Product, error)
	Update(ctx context.Context, prev, next *Product) error
	Delete(ctx context.Context, prev *Product) error
	List(ctx context.Context, q ListQuery) (Page, error)
}

// CreateInput is createProduct's input.
type CreateInput struct {
	SKU         string
	Name        string
	Description *string
	Price       int
	Currency    string
	Stock       int
}

// UpdateInput is updateProduct's input: nil fields are left unchanged. Stock sets the
// units left as the Admin saw them; units sold concurrently stay sold (see Repository).
type UpdateInput struct {
	ID          string
	SKU         *string
	Name        *string
	Description *string
	Price       *int
	Currency    *string
	Stock       *int
}

// Service is the catalog's use cases. Who may write is decided by the schema's directives
// (Admin); the service enforces validity and consistency.
type Service struct {
	repo  Repository
	now   func() time.Time
	newID func() string
}

// NewService returns a Service over repo. now and newID may be nil (wall clock, UUIDv7 so
// that listings are in creation order).
func NewService(repo Repository, now func() time.Time, newID func() string) *Service {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
	return &Service{repo: repo, now: now, newID: newID}
}

// Get returns one product, or NotFound.
func (s *Service) Get(ctx context.Context, id string) (*Product, error) {
	if err := ValidateID("id", id); err != nil {
		return nil, err
	}
	return s.repo.Get(ctx, id)
}

// GetMany returns the products that exist among ids, keyed by id: the batch function of
// the ProductByID loader and the order saga's pricing read (one BatchGetItem).
func (s *Service) GetMany(ctx context.Context, ids []string) (map[string]*Product, error) {
	return s.repo.GetMany(ctx, ids)
}

// List returns a page of products, oldest first.
func (s *Service) List(ctx context.Context, f *Filter, limit *int, nextToken *string) (Page, error) {
	n, err := filter.Limit(limit, DefaultLimit, MaxLimit)
	if err != nil {
		return Page{}, err
	}
	if err := f.Validate("filter"); err != nil {
		return Page{}, err
	}
	q := ListQuery{Filter: f, Limit: n}
	if nextToken != nil {
		q.NextToken = *nextToken
	}
	return s.repo.List(ctx, q)
}

// Create validates in and stores a new product with a unique SKU.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Product, error) {
	now := s.now().UTC()
	p := &Product{
		ID: s.newID(), SKU: in.SKU, Name: in.Name, Price: in.Price, Currency: in.Currency, Stock: in.Stock,
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if in.Description != nil {
		p.Description = *in.Description
	}
	if err := p.Normalize(); err != nil {
		return nil, err
	}
	if err := s.repo.Create(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Update applies in to the product if its stored version is still expectedVersion (the
// version the Admin edited), so that a stale form never overwrites a newer edit.
func (s *Service) Update(ctx context.Context, in UpdateInput, expectedVersion int) (*Product, error) {
	prev, err := s.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	if prev.Version != int64(expectedVersion) {
		return nil, apperr.New(apperr.Conflict, "product %s is at version %d, not %d: reload it and retry", in.ID, prev.Version, expectedVersion)
	}
	next := *prev
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&next.SKU, in.SKU)
	set(&next.Name, in.Name)
	set(&next.Description, in.Description)
	set(&next.Currency, in.Currency)
	if in.Price != nil {
		next.Price = *in.Price
	}
	if in.Stock != nil {
		next.Stock = *in.Stock
	}
	if err := next.Normalize(); err != nil {
		return nil, err
	}
	next.UpdatedAt = s.now().UTC()
	next.Version = prev.Version + 1
	if err := s.repo.Update(ctx, prev, &next); err != nil {
		return nil, err
	}
	return s.repo.Get(ctx, in.ID)
}

// Delete removes a product that no open order holds.
func (s *Service) Delete(ctx context.Context, id string) (*Product, error) {
	p, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Held > 0 {
		return nil, apperr.New(apperr.Conflict, "product %s is held by open orders (%d units): deliver or cancel them first", id, p.Held)
	}
	if err := s.repo.Delete(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}
