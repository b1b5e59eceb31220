package server_test

import (
	"net/http"
	"strings"
	"testing"

	"shangyun/internal/testkit"
)

func TestOperationsRoutes(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)

		c.Do("GET", "/healthz", nil).Expect(t, http.StatusOK)
		c.Do("GET", "/readyz", nil).Expect(t, http.StatusOK)

		page := c.Do("GET", "/swagger/index.html", nil).Expect(t, http.StatusOK)
		if !strings.Contains(string(page.Body), "swagger") {
			t.Errorf("the API page is not served: %.200s", page.Body)
		}
		doc := c.Do("GET", "/swagger/doc.json", nil).Expect(t, http.StatusOK)
		if !strings.Contains(string(doc.Body), `"/api/v1/auth/login"`) {
			t.Errorf("doc.json lacks the routes: %.200s", doc.Body)
		}

		c.Do("GET", "/api/v1/regions", nil).Expect(t, http.StatusOK)
		m := c.Do("GET", "/metrics", nil).Expect(t, http.StatusOK)
		want := `shangyun_http_requests_total{method="GET",route="/api/v1/regions",status="200"} 1`
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("metrics miss the regions request:\n%.2000s", m.Body)
		}
		if !strings.Contains(string(m.Body), `go_sql_max_open_connections{db_name="shangyun"}`) {
			t.Errorf("metrics miss the database pool")
		}

		if err := s.App.Close(); err != nil {
			t.Fatal(err)
		}
		c.Do("GET", "/readyz", nil).ExpectProblem(t, http.StatusServiceUnavailable, "unavailable")
	})
}
