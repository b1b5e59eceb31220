package ordershttp_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// stgRacer is one side of a race: who sends which action.
type stgRacer struct {
	role   auth.Role
	action string
}

// stgSerial returns the answers and the final status of a then b, one
// after the other, from status, as the table has them.
func stgSerial(status string, a, b stgRacer) (codes [2]int, final string) {
	for i, r := range []stgRacer{a, b} {
		codes[i] = http.StatusConflict
		if tr, ok := orders.Find(r.role, status, r.action); ok {
			codes[i], status = http.StatusOK, tr.To
		}
	}
	return codes, status
}

// Two transitions racing on one order end as if they had run one after
// the other, in some order: never a 5xx, never both applied where the
// first excludes the second, and the ledger agrees with the balances.
// Where the actions exclude each other that is exactly one 200 and one
// 409. An enterprise cancelling while the provider uploads the contract
// is not such a pair: cancelling from contract_pending is allowed, so
// both may succeed, the upload first.
func TestStageRacingTransitionsActAsIfInTurn(t *testing.T) {
	t.Parallel()
	ent := func(a string) stgRacer { return stgRacer{auth.RoleEnterprise, a} }
	prov := func(a string) stgRacer { return stgRacer{auth.RoleProvider, a} }
	races := []struct {
		from      string
		a, b      stgRacer
		exclusive bool
	}{
		{orders.StatusSubmitted, ent(orders.ActionCancel), prov(orders.ActionUploadContract),
			false},
		{orders.StatusSubmitted, ent(orders.ActionCancel), prov(orders.ActionCancel), true},
		{orders.StatusContractPending, ent(orders.ActionAgreeContract), prov(orders.ActionCancel),
			true},
		{orders.StatusContractPending, ent(orders.ActionAgreeContract),
			ent(orders.ActionRejectContract), true},
	}
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		for _, rc := range races {
			name := fmt.Sprintf("%s %s vs %s %s from %s", rc.a.role, rc.a.action, rc.b.role,
				rc.b.action, rc.from)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ab, abFinal := stgSerial(rc.from, rc.a, rc.b)
				ba, baFinal := stgSerial(rc.from, rc.b, rc.a)
				if rc.exclusive != (ab[0]+ab[1] == 200+409 && ba[0]+ba[1] == 200+409) {
					t.Fatalf("the table does not make this race exclusive=%v", rc.exclusive)
				}
				buyer := w.enterprise(t)
				seen := map[string]int{}
				for round := range 10 {
					o := w.orderAt(t, buyer, rc.from)
					got := stgRace(t, w, o, rc.a, rc.b)
					final := w.detail(t, buyer, o.ID).Status
					switch {
					case got == ab && final == abFinal:
						seen["a first"]++
					case got == [2]int{ba[1], ba[0]} && final == baFinal:
						seen["b first"]++
					default:
						t.Fatalf("round %d: answers %v and status %s; one after the other "+
							"gives %v and %s, or %v and %s the other way", round, got, final,
							ab, abFinal, [2]int{ba[1], ba[0]}, baFinal)
					}
					stgCheckRaceLedger(t, w, o, final)
				}
				t.Logf("serial orders seen over 10 rounds: %v", seen)
			})
		}
	})
}

// stgRace sends a and b on o at once and returns their statuses.
func stgRace(t *testing.T, w *stgWorld, o stgOrder, a, b stgRacer) [2]int {
	t.Helper()
	var got [2]int
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, r := range []stgRacer{a, b} {
		c := w.as(t, w.party(o, r.role))
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[i] = stgAct(t, c, o.ID, r.action).Status
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// stgCheckRaceLedger checks the order's ledger against its final status
// and every balance against the ledger.
func stgCheckRaceLedger(t *testing.T, w *stgWorld, o stgOrder, final string) {
	t.Helper()
	want := []string{fmt.Sprintf("reserve:%d", o.DiscountFen)}
	if final == orders.StatusCancelled {
		want = append(want, fmt.Sprintf("release:%d", o.DiscountFen))
	}
	if diff := cmp.Diff(want, w.ledger(t, o.ID)); diff != "" {
		t.Errorf("order %s; ledger (-want +got):\n%s", final, diff)
	}
	w.verify(t)
}
