package auth

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weerbaar/weerbaar/internal/db"
	"github.com/weerbaar/weerbaar/internal/entity"
)

// GetUserWithMemberships returns the user with id and their memberships,
// each with its entity's record, in one query: it runs on every signed-in
// request, which then needs no further query to know who the user is, where
// they belong and what the current entity is. db.ErrNotFound for an unknown
// id.
func GetUserWithMemberships(ctx context.Context, q db.Querier, id int64) (User, []entity.Membership, error) {
	rows, err := q.Query(ctx, `SELECT `+userColumns+`, `+entity.MembershipsJSON+` AS memberships FROM users WHERE id = @user`,
		pgx.StrictNamedArgs{"user": id})
	if err != nil {
		return User{}, nil, fmt.Errorf("load user %d: %w", id, err)
	}
	type userRow struct {
		User
		Memberships []entity.Membership `db:"memberships"`
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[userRow])
	if err != nil {
		return User{}, nil, fmt.Errorf("load user %d: %w", id, db.MapError(err))
	}
	return r.User, r.Memberships, nil
}
