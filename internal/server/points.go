package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/weerbaar/weerbaar/internal/authz"
	"github.com/weerbaar/weerbaar/internal/i18n"
	"github.com/weerbaar/weerbaar/internal/measure"
	"github.com/weerbaar/weerbaar/internal/measure/catalogue"
	"github.com/weerbaar/weerbaar/web/pages/measures"
)

// pointsProps is the checklist of requirement r with the entity's answers;
// failed is the point whose save failed (input, errors, conflict), if any.
func pointsProps(ctx context.Context, action string, cl measure.Checklist, r catalogue.Requirement, canEdit bool,
	failed *measures.PointRow) measures.PointsProps {
	p := measures.PointsProps{Action: action, CanEdit: canEdit}
	for _, pt := range cl.Points(r) {
		row := measures.PointRow{Ref: pt.Ref, Text: pt.Text.In(ctx), Qualifier: pt.Qualifier, Unverified: !pt.Verified,
			Note: pt.Note.In(ctx), State: string(pt.State), Justification: pt.Justification, Version: pt.Version,
			UpdatedBy: pt.UpdatedBy, Warn: pt.Warn(cl.Binding), Refused: pt.Refused(cl.Binding)}
		p.Total++
		switch pt.State {
		case measure.PointDone:
			p.Done++
		case measure.PointNotApplicable:
			p.NotApplicable++
		}
		if failed != nil && failed.Ref == pt.Ref {
			row.State, row.Justification, row.Version = failed.State, failed.Justification, failed.Version
			row.Errors, row.Conflict = failed.Errors, failed.Conflict
		}
		p.Points = append(p.Points, row)
	}
	return p
}

// pointSave saves the answer to one checklist point of a requirement: 303
// back to the requirement page, 422 with the point's field errors and the
// input kept, 409 with the other person's answer, 404 for a point the
// entity's edition does not have under the requirement.
func (s *Server) pointSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := authz.ActorFrom(ctx)
	code := chi.URLParam(r, "code")
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	in := measure.PointInput{Ref: r.PostFormValue("ref"), State: r.PostFormValue("state"),
		Justification: r.PostFormValue("justification"), Version: version}
	_, err := measure.UpdatePoint(ctx, s.Pool, actor, code, in)
	failed := &measures.PointRow{Ref: in.Ref, State: in.State, Justification: in.Justification, Version: in.Version}
	if c, ok := measure.IsConflict(err); ok {
		cur := c.Current.(measure.Point)
		failed.Version = cur.Version
		state := i18n.T(ctx, "points.state.none")
		if cur.State != "" {
			state = i18n.T(ctx, "points.state."+string(cur.State))
		}
		failed.Conflict = []measures.ConflictField{
			{Label: i18n.T(ctx, "points.state"), Value: state},
			{Label: i18n.T(ctx, "points.justification"), Value: cur.Justification},
		}
		if cur.UpdatedAt != nil {
			failed.Conflict = append(failed.Conflict, measures.ConflictField{Label: i18n.T(ctx, "conflict.saved_by"),
				Value: cur.UpdatedBy + ", " + i18n.DateTime(ctx, *cur.UpdatedAt)})
		}
		s.renderRequirement(w, r, statePage{FormState: stateForm{Status: http.StatusConflict}, Point: failed})
		return
	}
	s.afterSave(w, r, err, func(errs map[string]string) {
		failed.Errors = errs
		s.renderRequirement(w, r, statePage{FormState: stateForm{Status: http.StatusUnprocessableEntity}, Point: failed})
	}, "points.saved", entityBase(actor.EntityID)+"/requirements/"+code+"#points-h")
}
