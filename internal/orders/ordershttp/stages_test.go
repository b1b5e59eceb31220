package ordershttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// Every row of the table succeeds from its status by its role and leads
// where the table says; every other combination a party can send is 409
// invalid_transition naming the current status and the caller's allowed
// actions, and leaves the order as it was. A route of the other role is
// refused by the role check first (403).
func TestStageEveryTransitionOfTheTable(t *testing.T) {
	t.Parallel()
	for _, tr := range orders.Table {
		known := false
		for _, a := range stgActions {
			known = known || a.action == tr.Action
		}
		if _, ok := stgPaths[tr.From]; !ok || !known {
			t.Fatalf("transition %+v is not covered by this test", tr)
		}
	}
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		for _, status := range stgStatuses {
			t.Run(status, func(t *testing.T) {
				t.Parallel()
				stgCheckTransitionsFrom(t, w, status)
			})
		}
	})
}

func stgCheckTransitionsFrom(t *testing.T, w *stgWorld, status string) {
	probe := w.orderAt(t, w.ent, status)
	for _, role := range []auth.Role{auth.RoleEnterprise, auth.RoleProvider} {
		for _, a := range stgActions {
			name := fmt.Sprintf("%s %s from %s", role, a.action, status)
			if tr, ok := orders.Find(role, status, a.action); ok {
				o := w.orderAt(t, w.ent, status)
				var d stgDetail
				stgAct(t, w.as(t, w.party(o, role)), o.ID, a.action).
					Expect(t, http.StatusOK).Decode(t, &d)
				if d.Status != tr.To {
					t.Errorf("%s: status %s, want %s", name, d.Status, tr.To)
				}
				if diff := cmp.Diff(orders.Allowed(role, tr.To), d.AllowedActions); diff != "" {
					t.Errorf("%s: allowed actions (-want +got):\n%s", name, diff)
				}
				continue
			}

			r := stgAct(t, w.as(t, w.party(probe, role)), probe.ID, a.action)
			if !stgRouteLets(a.roles, role) {
				r.ExpectProblem(t, http.StatusForbidden, "forbidden")
				continue
			}
			r.ExpectProblem(t, http.StatusConflict, "invalid_transition")
			var p stgTransitionProblem
			r.Decode(t, &p)
			want := stgTransitionProblem{Code: "invalid_transition", CurrentStatus: status,
				AllowedActions: orders.Allowed(role, status)}
			if diff := cmp.Diff(want, p); diff != "" {
				t.Errorf("%s: problem (-want +got):\n%s", name, diff)
			}
		}
	}
	if d := w.detail(t, w.ent, probe.ID); d.Status != status {
		t.Errorf("refused actions moved the order from %s to %s", status, d.Status)
	}
}

func stgRouteLets(roles []auth.Role, role auth.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// Cancelling before the contract is agreed, by either party, gives the
// reserved discount back: the benefit's reservation returns to zero and
// the ledger holds a release of the amount reserved. From in_progress on
// cancelling is refused and the money stays where it was; the invoice
// turns the reservation into use.
func TestStageCancelReleasesTheDiscount(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		for _, role := range []auth.Role{auth.RoleEnterprise, auth.RoleProvider} {
			for _, from := range stgStatuses {
				if _, ok := orders.Find(role, from, orders.ActionCancel); !ok {
					continue
				}
				t.Run(string(role)+" from "+from, func(t *testing.T) {
					t.Parallel()
					stgCheckCancel(t, w, w.enterprise(t), role, from)
				})
			}
		}
		// The refusals share an enterprise, one after the other, since
		// each leaves its benefit as it found it.
		t.Run("refused", func(t *testing.T) {
			t.Parallel()
			ent := w.enterprise(t)
			for _, role := range []auth.Role{auth.RoleEnterprise, auth.RoleProvider} {
				for _, from := range stgStatuses {
					if _, ok := orders.Find(role, from, orders.ActionCancel); !ok {
						stgCheckCancel(t, w, ent, role, from)
					}
				}
			}
		})
		t.Run("invoice", func(t *testing.T) {
			t.Parallel()
			ent := w.enterprise(t)
			o := w.orderAt(t, ent, orders.StatusCompletionReported)
			if b := w.benefit(t, ent); b.ReservedFen != o.DiscountFen || b.UsedFen != 0 {
				t.Fatalf("before the invoice: %+v, want %d reserved", b, o.DiscountFen)
			}
			stgAct(t, w.as(t, w.prov), o.ID, orders.ActionUploadInvoice).Expect(t, http.StatusOK)
			b := w.benefit(t, ent)
			if b.ReservedFen != 0 || b.UsedFen != o.DiscountFen ||
				b.RemainingFen != b.QuotaFen-o.DiscountFen {
				t.Errorf("after the invoice: %+v, want %d used and nothing reserved", b,
					o.DiscountFen)
			}
			want := []string{fmt.Sprintf("reserve:%d", o.DiscountFen),
				fmt.Sprintf("consume:%d", o.DiscountFen)}
			if diff := cmp.Diff(want, w.ledger(t, o.ID)); diff != "" {
				t.Errorf("ledger (-want +got):\n%s", diff)
			}
			w.verify(t)
		})
	})
}

func stgCheckCancel(t *testing.T, w *stgWorld, ent testkit.User, role auth.Role, from string) {
	t.Helper()
	o := w.orderAt(t, ent, from)
	if o.DiscountFen <= 0 {
		t.Fatalf("order %+v has no discount to release", o)
	}
	before := w.benefit(t, ent)
	ledger := w.ledger(t, o.ID)
	r := stgAct(t, w.as(t, w.party(o, role)), o.ID, orders.ActionCancel)

	if _, ok := orders.Find(role, from, orders.ActionCancel); !ok {
		r.ExpectProblem(t, http.StatusConflict, "invalid_transition")
		if diff := cmp.Diff(before, w.benefit(t, ent)); diff != "" {
			t.Errorf("%s from %s: a refused cancel moved the benefit (-before +after):\n%s",
				role, from, diff)
		}
		if diff := cmp.Diff(ledger, w.ledger(t, o.ID)); diff != "" {
			t.Errorf("a refused cancel wrote the ledger (-before +after):\n%s", diff)
		}
		w.verify(t)
		return
	}

	var d stgDetail
	r.Expect(t, http.StatusOK).Decode(t, &d)
	if d.Status != orders.StatusCancelled {
		t.Fatalf("status %s after cancel", d.Status)
	}
	if before.ReservedFen != o.DiscountFen {
		t.Errorf("before cancel %d reserved, want %d", before.ReservedFen, o.DiscountFen)
	}
	after := w.benefit(t, ent)
	want := stgBenefit{PolicyID: w.policy, QuotaFen: before.QuotaFen, RemainingFen: before.QuotaFen}
	if diff := cmp.Diff(want, after); diff != "" {
		t.Errorf("benefit after cancel (-want +got):\n%s", diff)
	}
	wantLedger := []string{fmt.Sprintf("reserve:%d", o.DiscountFen),
		fmt.Sprintf("release:%d", o.DiscountFen)}
	if diff := cmp.Diff(wantLedger, w.ledger(t, o.ID)); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	w.verify(t)
}

// Rejecting a contract needs a comment and cancelling a reason; blank
// ones count as missing. A note is at most 1000 characters, and a
// problem names the field that carried it. Nothing refused moves the
// order.
func TestStageNotesAreRequired(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		o := w.orderAt(t, w.ent, orders.StatusContractPending)
		ec, pc := w.as(t, w.ent), w.as(t, w.prov)
		path := fmt.Sprintf("/api/v1/orders/%d", o.ID)

		for _, body := range []map[string]string{{"decision": "reject"},
			{"decision": "reject", "comment": ""}, {"decision": "reject", "comment": " \n "}} {
			p := ec.Do("POST", path+"/contract-decision", body).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			stgExpectField(t, p, "comment")
		}
		for _, c := range []*testkit.Client{ec, pc} {
			p := c.Do("POST", path+"/cancel", map[string]string{}, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			stgExpectField(t, p, "reason")
			for _, reason := range []string{"", "   "} {
				p := c.Do("POST", path+"/cancel", map[string]string{"reason": reason}).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				stgExpectField(t, p, "reason")
			}
		}
		long := strings.Repeat("长", 1001)
		p := ec.Do("POST", path+"/contract-decision", map[string]string{"decision": "reject",
			"comment": long}, testkit.Raw()).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		stgExpectField(t, p, "comment")
		for _, c := range []*testkit.Client{ec, pc} {
			p := c.Do("POST", path+"/cancel", map[string]string{"reason": long}, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			stgExpectField(t, p, "reason")
		}
		p = pc.Do("POST", path+"/contract", testkit.Form{Fields: map[string]string{"note": long},
			Files: stgFile("合同.pdf", pdf).Files}).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
		stgExpectField(t, p, "note")
		if d := w.detail(t, w.ent, o.ID); d.Status != orders.StatusContractPending ||
			len(d.Events) != 2 {
			t.Errorf("refused notes changed the order: %s with %d events", d.Status, len(d.Events))
		}
		if b := w.benefit(t, w.ent); b.ReservedFen != o.DiscountFen {
			t.Errorf("refused cancels released the discount: %+v", b)
		}

		var d stgDetail
		ec.Do("POST", path+"/contract-decision", map[string]string{"decision": "reject",
			"comment": long[len("长"):]}).Expect(t, http.StatusOK).Decode(t, &d)
		if got := d.Events[len(d.Events)-1].Note; got != long[len("长"):] {
			t.Errorf("a comment of 1000 characters was kept as %d", len([]rune(got)))
		}
	})
}

func stgExpectField(t *testing.T, p testkit.Problem, field string) {
	t.Helper()
	if len(p.Errors) != 1 || p.Errors[0].Field != field {
		t.Errorf("errors %+v, want one on %s", p.Errors, field)
	}
}

// Each stage takes only its file types, decided from the content: a
// contract is a PDF; a completion report or an invoice a PDF or an image.
// A missing file is a validation failure. Nothing refused is kept, and
// every accepted version is.
func TestStageFilesOfTheWrongType(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		o := w.place(t, w.ent)
		pc, ec := w.as(t, w.prov), w.as(t, w.ent)
		path := fmt.Sprintf("/api/v1/orders/%d", o.ID)
		text := []byte("这是一份纯文本，不是合同。\nplain text, not a contract\n")
		png, jpeg := testkit.PNG(t, 80, 60), testkit.JPEG(t, 80, 60)
		contract2 := append([]byte{}, pdf...)
		contract2 = append(contract2, "% second version\n"...)

		refuse := func(suffix string, form testkit.Form, status int, code string) {
			t.Helper()
			pc.Do("POST", path+suffix, form, testkit.Raw()).ExpectProblem(t, status, code)
		}
		refuse("/contract", stgFile("合同.png", png), 422, "unsupported_file_type")
		refuse("/contract", stgFile("合同.pdf", text), 422, "unsupported_file_type")
		refuse("/contract", stgFile("合同.pdf", jpeg), 422, "unsupported_file_type")
		refuse("/contract", testkit.Form{Fields: map[string]string{"note": "忘了附件"}}, 422,
			"validation_failed")
		refuse("/contract", testkit.Form{}, 422, "validation_failed")

		pc.Do("POST", path+"/contract", stgFile("合同v1.pdf", pdf)).Expect(t, http.StatusOK)
		ec.Do("POST", path+"/contract-decision", map[string]string{"decision": "reject",
			"comment": "金额不符"}).Expect(t, http.StatusOK)
		pc.Do("POST", path+"/contract", stgFile("合同v2.pdf", contract2)).Expect(t, http.StatusOK)
		ec.Do("POST", path+"/contract-decision", map[string]string{"decision": "agree"}).
			Expect(t, http.StatusOK)

		refuse("/completion-report", stgFile("竣工报告.txt", text), 422, "unsupported_file_type")
		refuse("/completion-report", testkit.Form{}, 422, "validation_failed")
		pc.Do("POST", path+"/completion-report", stgFile("竣工报告.jpg", jpeg)).Expect(t, http.StatusOK)
		refuse("/invoice", stgFile("发票.txt", text), 422, "unsupported_file_type")
		refuse("/invoice", testkit.Form{}, 422, "validation_failed")
		pc.Do("POST", path+"/invoice", stgFile("发票.png", png)).Expect(t, http.StatusOK)

		var list []stgAttachment
		ec.Do("GET", path+"/attachments", nil).Expect(t, http.StatusOK).Decode(t, &list)
		type file struct{ Kind, Name, Type string }
		want := []file{{"contract", "合同v1.pdf", "application/pdf"},
			{"contract", "合同v2.pdf", "application/pdf"},
			{"completion_report", "竣工报告.jpg", "image/jpeg"}, {"invoice", "发票.png", "image/png"}}
		got := []file{}
		for _, a := range list {
			got = append(got, file{a.Kind, a.Name, a.ContentType})
			if a.UploadedBy != w.prov.ID {
				t.Errorf("attachment %+v: uploaded by %d, want the provider", a, a.UploadedBy)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("attachments (-want +got):\n%s", diff)
		}
		for i, data := range [][]byte{pdf, contract2, jpeg, png} {
			r := ec.Do("GET", list[i].URL, nil).Expect(t, http.StatusOK)
			if string(r.Body) != string(data) || list[i].SizeBytes != int64(len(data)) {
				t.Errorf("%s: download of %d bytes differs from the %d uploaded", list[i].Name,
					len(r.Body), len(data))
			}
			if r.Header.Get("X-Content-Type-Options") != "nosniff" ||
				r.Header.Get("Content-Disposition") == "" ||
				r.Header.Get("Content-Type") != list[i].ContentType {
				t.Errorf("%s: download headers %v", list[i].Name, r.Header)
			}
		}
		if d := w.detail(t, w.ent, o.ID); len(d.Attachments) != len(list) {
			t.Errorf("detail lists %d attachments, the list %d", len(d.Attachments), len(list))
		}
	})
}

// stgStates is the progress bar as a string of states, one letter a
// stage: d done, c current, p pending.
func stgStates(stages []stgStage) string {
	out := ""
	for _, s := range stages {
		out += s.State[:1]
	}
	return out
}

// The progress bar follows the status: always the five stages; a rejected
// contract shows contract_pending current again; a completed order is all
// done; a cancelled order keeps what it reached as done, the rest pending
// and none current. A stage has its time exactly when it was reached.
func TestStageProgressForEveryStatus(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		path   []string
		status string
		states string
	}{
		{"submitted", nil, orders.StatusSubmitted, "cpppp"},
		{"contract pending", stgPaths[orders.StatusContractPending], orders.StatusContractPending,
			"dcppp"},
		{"contract rejected", stgPaths[orders.StatusContractRejected],
			orders.StatusContractRejected, "dcppp"},
		{"in progress", stgPaths[orders.StatusInProgress], orders.StatusInProgress, "ddcpp"},
		{"completion reported", stgPaths[orders.StatusCompletionReported],
			orders.StatusCompletionReported, "dddcp"},
		{"completed", stgPaths[orders.StatusCompleted], orders.StatusCompleted, "ddddd"},
		{"cancelled when submitted", []string{orders.ActionCancel}, orders.StatusCancelled,
			"dpppp"},
		{"cancelled with a contract pending",
			[]string{orders.ActionUploadContract, orders.ActionCancel}, orders.StatusCancelled,
			"ddppp"},
		{"cancelled after a rejected contract", []string{orders.ActionUploadContract,
			orders.ActionRejectContract, orders.ActionCancel}, orders.StatusCancelled, "ddppp"},
	}
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				o := w.place(t, w.ent)
				for _, action := range tc.path {
					stgAct(t, w.as(t, w.party(o, stgRoleOf(action))), o.ID, action).
						Expect(t, http.StatusOK)
				}
				for _, u := range []testkit.User{w.ent, w.prov} {
					d := w.detail(t, u, o.ID)
					stgCheckStages(t, d, tc.status, tc.states)
				}
			})
		}
	})
}

func stgCheckStages(t *testing.T, d stgDetail, status, states string) {
	t.Helper()
	if d.Status != status {
		t.Fatalf("status %s, want %s", d.Status, status)
	}
	names := []string{}
	for _, s := range d.Stages {
		names = append(names, s.Stage)
	}
	if diff := cmp.Diff(orders.Stages, names); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	if got := stgStates(d.Stages); got != states {
		t.Errorf("states %s, want %s", got, states)
	}
	reached := map[string]bool{}
	for _, e := range d.Events {
		reached[e.ToStatus] = true
	}
	for _, s := range d.Stages {
		if (s.At != nil) != reached[s.Stage] {
			t.Errorf("stage %s: at %v, reached %v", s.Stage, s.At, reached[s.Stage])
		}
	}
}

// The timeline names who did what, with the note and the file of each
// step, and every stage carries the time it was first reached. The clock
// moves a minute before each step so that the times tell the steps apart
// (less than the access tokens live).
func TestStageTimelineNamesEveryStep(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		o := w.place(t, w.ent)
		t0 := w.s.Clock.Now()
		pc, ec := w.as(t, w.prov), w.as(t, w.ent)
		path := fmt.Sprintf("/api/v1/orders/%d", o.ID)
		withNote := func(form testkit.Form, note string) testkit.Form {
			form.Fields = map[string]string{"note": note}
			return form
		}
		steps := []struct {
			c      *testkit.Client
			suffix string
			body   any
		}{
			{pc, "/contract", withNote(stgFile("合同.pdf", pdf), "请查收合同")},
			{ec, "/contract-decision", map[string]string{"decision": "reject", "comment": "金额不符"}},
			{pc, "/contract", stgFile("合同2.pdf", pdf)},
			{ec, "/contract-decision", map[string]string{"decision": "agree", "comment": "同意"}},
			{pc, "/completion-report", withNote(stgFile("竣工.png", testkit.PNG(t, 40, 40)), "已竣工")},
			{pc, "/invoice", stgFile("发票.pdf", pdf)},
		}
		var d stgDetail
		for _, st := range steps {
			w.s.Clock.Advance(time.Minute)
			st.c.Do("POST", path+st.suffix, st.body).Expect(t, http.StatusOK).Decode(t, &d)
		}

		at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute).UTC() }
		att := func(i int) *int64 { return &d.Attachments[i].ID }
		byEnt := func(action, from, to, note string, m int) stgEvent {
			return stgEvent{action, w.ent.ID, "enterprise", from, to, note, nil, at(m)}
		}
		byProv := func(action, from, to, note string, file, m int) stgEvent {
			return stgEvent{action, w.prov.ID, "provider", from, to, note, att(file), at(m)}
		}
		want := []stgEvent{
			byEnt("submit", "", "submitted", "", 0),
			byProv("upload_contract", "submitted", "contract_pending", "请查收合同", 0, 1),
			byEnt("reject_contract", "contract_pending", "contract_rejected", "金额不符", 2),
			byProv("upload_contract", "contract_rejected", "contract_pending", "", 1, 3),
			byEnt("agree_contract", "contract_pending", "in_progress", "同意", 4),
			byProv("upload_completion_report", "in_progress", "completion_reported", "已竣工", 2, 5),
			byProv("upload_invoice", "completion_reported", "completed", "", 3, 6),
		}
		if diff := cmp.Diff(want, d.Events); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		got := map[string]time.Time{}
		for _, s := range d.Stages {
			if s.At == nil || s.State != "done" {
				t.Fatalf("completed order has stage %+v", s)
			}
			got[s.Stage] = s.At.UTC()
		}
		wantAt := map[string]time.Time{"submitted": at(0), "contract_pending": at(1),
			"in_progress": at(4), "completion_reported": at(5), "completed": at(6)}
		if diff := cmp.Diff(wantAt, got); diff != "" {
			t.Errorf("stage times (-want +got):\n%s", diff)
		}
	})
}

// Every step mails the other party, through the outbox, and only it.
func TestStageEveryStepMailsTheOtherParty(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		full, early, late := w.place(t, w.ent), w.place(t, w.ent), w.place(t, w.ent)
		steps := []struct {
			o      stgOrder
			role   auth.Role
			action string
		}{
			{full, auth.RoleProvider, orders.ActionUploadContract},
			{full, auth.RoleEnterprise, orders.ActionRejectContract},
			{full, auth.RoleProvider, orders.ActionUploadContract},
			{full, auth.RoleEnterprise, orders.ActionAgreeContract},
			{full, auth.RoleProvider, orders.ActionUploadCompletionReport},
			{full, auth.RoleProvider, orders.ActionUploadInvoice},
			{early, auth.RoleEnterprise, orders.ActionCancel},
			{late, auth.RoleProvider, orders.ActionUploadContract},
			{late, auth.RoleProvider, orders.ActionCancel},
		}
		for _, st := range steps {
			actor := w.party(st.o, st.role)
			other := w.prov
			if st.role == auth.RoleProvider {
				other = st.o.Ent
			}
			mine, theirs := w.mails(t, actor), w.mails(t, other)
			stgAct(t, w.as(t, actor), st.o.ID, st.action).Expect(t, http.StatusOK)
			if got := w.mails(t, other); got != theirs+1 {
				t.Errorf("%s %s: %d new mails to the other party, want 1", st.role, st.action,
					got-theirs)
			}
			if got := w.mails(t, actor); got != mine {
				t.Errorf("%s %s: %d new mails to the actor, want none", st.role, st.action,
					got-mine)
			}
		}
		var subject string
		err := w.s.App.DB.Table("outbox_messages").Select("subject").Order("id DESC").Limit(1).
			Scan(&subject).Error
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("订单 %d ", late.ID); !strings.Contains(subject, want) {
			t.Errorf("last mail's subject %q does not name order %d", subject, late.ID)
		}
	})
}
