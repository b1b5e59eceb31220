package catalog

import (
	"context"
	"io"
	"strconv"

	"shangyun/internal/audit"
	"shangyun/internal/files"
	"shangyun/internal/problem"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Tree returns the category tree, top level first, each node's children
// in order.
func (s *Service) Tree(ctx context.Context) ([]Category, error) {
	all, err := s.Store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	children := map[int64][]Category{}
	for _, c := range all {
		if c.ParentID != 0 {
			children[c.ParentID] = append(children[c.ParentID], c)
		}
	}
	tree := []Category{}
	for _, c := range all {
		if c.ParentID == 0 {
			c.Children = children[c.ID]
			if c.Children == nil {
				c.Children = []Category{}
			}
			tree = append(tree, c)
		}
	}
	return tree, nil
}

// Parents maps every category id to its parent's id, 0 for top-level
// categories.
func (s *Service) Parents(ctx context.Context) (map[int64]int64, error) {
	all, err := s.Store.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(all))
	for _, c := range all {
		out[c.ID] = c.ParentID
	}
	return out, nil
}

// CategoryPage returns a category's introduction with its subcategories
// and the providers that offer public products in it.
func (s *Service) CategoryPage(ctx context.Context, id int64) (Category, []CategoryProvider, error) {
	c, err := s.category(ctx, id)
	if err != nil {
		return Category{}, nil, err
	}
	ps, err := s.Store.CategoryProviders(ctx, id)
	return c, ps, err
}

// category returns a category with its children when it is top-level.
func (s *Service) category(ctx context.Context, id int64) (Category, error) {
	c, err := s.Store.Category(ctx, id)
	if err != nil {
		return Category{}, err
	}
	c.Children = []Category{}
	if c.ParentID == 0 {
		all, err := s.Store.Categories(ctx)
		if err != nil {
			return Category{}, err
		}
		for _, ch := range all {
			if ch.ParentID == c.ID {
				c.Children = append(c.Children, ch)
			}
		}
	}
	return c, nil
}

// NewCategory is a category an admin creates.
type NewCategory struct {
	ParentID     int64
	Name         string
	Introduction string
	SortOrder    int
}

// CreateCategory adds a category: at the top, or under a top-level one
// (the tree has two levels).
func (s *Service) CreateCategory(ctx context.Context, in NewCategory) (Category, error) {
	var fs []problem.Field
	fs = checkText(fs, "name", &in.Name, 1, 50, true)
	fs = checkText(fs, "introduction", &in.Introduction, 0, 5000, false)
	if in.ParentID != 0 {
		parent, err := s.Store.Category(ctx, in.ParentID)
		switch {
		case problem.CodeOf(err) == problem.CodeNotFound:
			fs = append(fs, field("parent_id", "exists", "上级分类不存在", "no such category"))
		case err != nil:
			return Category{}, err
		case parent.ParentID != 0:
			fs = append(fs, field("parent_id", "top_level", "分类只有两级，上级须为一级分类",
				"the tree has two levels: the parent must be top-level"))
		}
	}
	if len(fs) > 0 {
		return Category{}, problem.Validation(fs...)
	}

	now := s.Now().UTC()
	c := Category{ParentID: in.ParentID, Name: *trim(&in.Name),
		Introduction: *trim(&in.Introduction), SortOrder: in.SortOrder, CreatedAt: now,
		UpdatedAt: now}
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateCategory(ctx, &c); err != nil {
			return err
		}
		return s.audit(ctx, "category.create", "category", c.ID, c.Name)
	})
	c.Children = []Category{}
	return c, err
}

// UpdateCategory edits a category's name, introduction or order.
func (s *Service) UpdateCategory(ctx context.Context, id int64, ch CategoryChange) (Category, error) {
	var fs []problem.Field
	fs = checkText(fs, "name", ch.Name, 1, 50, true)
	fs = checkText(fs, "introduction", ch.Introduction, 0, 5000, false)
	if len(fs) > 0 {
		return Category{}, problem.Validation(fs...)
	}
	ch.Name, ch.Introduction = trim(ch.Name), trim(ch.Introduction)
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.UpdateCategory(ctx, id, ch, s.Now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, "category.update", "category", id, "")
	})
	if err != nil {
		return Category{}, err
	}
	return s.category(ctx, id)
}

// DeleteCategory removes a category without children or products; one
// still in use is invalid_transition.
func (s *Service) DeleteCategory(ctx context.Context, id int64) error {
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.Category(ctx, id); err != nil {
			return err
		}
		children, products, err := s.Store.CategoryUsage(ctx, id)
		if err != nil {
			return err
		}
		if children > 0 || products > 0 {
			return problem.New(problem.CodeInvalidTransition, problem.Text{
				ZH: "分类下还有子分类或产品，不能删除。",
				EN: "The category still has subcategories or products."})
		}
		if err := s.Store.DeleteCategory(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, "category.delete", "category", id, "")
	})
}

// SetCategoryImage records an uploaded image as the category's.
func (s *Service) SetCategoryImage(ctx context.Context, id int64, f files.File) (Category, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.Category(ctx, id); err != nil {
			return err
		}
		fileID, err := s.record(ctx, f)
		if err != nil {
			return err
		}
		return s.Store.SetCategoryImage(ctx, id, fileID, s.Now().UTC())
	})
	if err != nil {
		return Category{}, err
	}
	return s.category(ctx, id)
}

// CategoryImage returns a category's image and its content.
func (s *Service) CategoryImage(ctx context.Context, id int64) (files.File, io.ReadCloser, error) {
	c, err := s.Store.Category(ctx, id)
	if err != nil {
		return files.File{}, nil, err
	}
	return s.file(ctx, c.ImageFileID)
}

func (s *Service) audit(ctx context.Context, action, targetType string, id int64, detail string) error {
	return s.Audit.Record(ctx, audit.Entry{Action: action, TargetType: targetType,
		TargetID: strconv.FormatInt(id, 10), Detail: detail})
}
