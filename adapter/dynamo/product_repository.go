package dynamo

import "github.com/skygraph/skygraph/domain/product"

// ProductRepository is product.Repository on the single table. Its methods live in one
// file per access pattern (product_get.go, product_write.go, product_list.go).
type ProductRepository struct{ s *Store }

var _ product.Repository = (*ProductRepository)(nil)

// Products returns the product repository.
func (s *Store) Products() *ProductRepository { return &ProductRepository{s: s} }
