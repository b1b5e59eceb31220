package ordershttp_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

type detail struct {
	Status string `json:"status"`
	Stages []struct {
		Stage string `json:"stage"`
		State string `json:"state"`
	} `json:"stages"`
	Events []struct {
		Action string `json:"action"`
	} `json:"events"`
	Attachments []struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
	} `json:"attachments"`
	AllowedActions []string `json:"allowed_actions"`
}

// The whole journey of the manual, in one test: order, contract rejected
// and uploaded again, agreed, completion report, invoice, evaluation.
func TestOrderJourney(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent, prov := s.NewUser(t, auth.RoleEnterprise), s.NewUser(t, auth.RoleProvider)
		_, leaf := s.Category(t)
		productID, specs := s.Product(t, prov, leaf, 100000)
		policy := s.ActivePolicy(t, testkit.Policy{})
		s.Certify(t, ent)
		ec, pc := s.Client(t).As(ent.Access), s.Client(t).As(prov.Access)
		ec.Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policy), nil).Expect(t, 200)

		var line struct {
			ID int64 `json:"id"`
		}
		ec.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": specs[0], "quantity": 1}).
			Expect(t, 201).Decode(t, &line)
		var q quote
		ec.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": []int64{line.ID}},
			testkit.Header("Idempotency-Key", "journey")).Expect(t, 201).Decode(t, &q)
		path := fmt.Sprintf("/api/v1/orders/%d", q.Orders[0].ID)
		contract := testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: "合同.pdf", Data: pdf}}}

		var d detail
		step := func(c *testkit.Client, suffix string, body any, want string) {
			t.Helper()
			c.Do("POST", path+suffix, body).Expect(t, 200).Decode(t, &d)
			if d.Status != want {
				t.Fatalf("%s: status %s, want %s", suffix, d.Status, want)
			}
		}
		step(pc, "/contract", contract, "contract_pending")
		step(ec, "/contract-decision", map[string]string{"decision": "reject", "comment": "金额不符"},
			"contract_rejected")
		if d.Stages[1].State != "current" {
			t.Errorf("a rejected contract shows contract_pending as current: %+v", d.Stages)
		}
		step(pc, "/contract", contract, "contract_pending")
		step(ec, "/contract-decision", map[string]string{"decision": "agree"}, "in_progress")
		ec.Do("POST", path+"/cancel", map[string]string{"reason": "太晚了"}).
			ExpectProblem(t, 409, "invalid_transition")
		step(pc, "/completion-report", testkit.Form{Files: map[string]testkit.FilePart{
			"file": {Name: "竣工报告.png", Data: testkit.PNG(t, 100, 100)}}}, "completion_reported")
		step(pc, "/invoice", contract, "completed")

		actions := []string{}
		for _, e := range d.Events {
			actions = append(actions, e.Action)
		}
		want := []string{"submit", "upload_contract", "reject_contract", "upload_contract",
			"agree_contract", "upload_completion_report", "upload_invoice"}
		if diff := cmp.Diff(want, actions); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		if len(d.Attachments) != 4 || d.Attachments[0].Kind != "contract" {
			t.Errorf("attachments %+v: want both contract versions, the report and the invoice", d.Attachments)
		}
		for _, st := range d.Stages {
			if st.State != "done" {
				t.Errorf("completed order has stage %+v", st)
			}
		}
		got := ec.Do("GET", d.Attachments[0].URL, nil).Expect(t, 200)
		if string(got.Body) != string(pdf) {
			t.Error("contract download differs from the upload")
		}

		ec.Do("POST", path+"/evaluation", map[string]any{"rating": 4, "usage_report": "运行稳定，服务及时，值得推荐。"}).
			Expect(t, 201)
		ec.Do("POST", path+"/evaluation", map[string]any{"rating": 5, "usage_report": "再评一次试试看看看看。"}).
			ExpectProblem(t, 409, "already_evaluated")
		var product struct {
			Rating struct {
				Average float64 `json:"average"`
				Count   int     `json:"count"`
			} `json:"rating"`
		}
		s.Client(t).Do("GET", fmt.Sprintf("/api/v1/products/%d", productID), nil).Expect(t, 200).
			Decode(t, &product)
		if product.Rating.Count != 1 || product.Rating.Average != 4 {
			t.Errorf("rating %+v", product.Rating)
		}
		var ben struct {
			Claimed []struct {
				ReservedFen int64 `json:"reserved_fen"`
				UsedFen     int64 `json:"used_fen"`
			} `json:"claimed"`
		}
		ec.Do("GET", "/api/v1/benefits", nil).Expect(t, 200).Decode(t, &ben)
		if ben.Claimed[0].ReservedFen != 0 || ben.Claimed[0].UsedFen != 30000 {
			t.Errorf("benefit after completion %+v: the reservation must have become use", ben)
		}
		if err := s.App.Benefits.Verify(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
}
