package sim_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/veox/veox/api/sim"
)

// A test starts the simulator on loopback, scripts the next create and
// talks to it like the real service.
func Example() {
	srv, err := sim.Start(sim.Options{APIKey: "key", MinDuration: time.Minute, MaxDuration: time.Minute})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	srv.Sim.PushPlan(sim.Plan{Fail: true, ErrorCode: 400}) // the next create ends in a content-policy failure
	req, _ := http.NewRequest("POST", srv.URL+sim.PathExtend,
		strings.NewReader(`{"taskId":"`+sim.DemoForest+`","prompt":"the deer turns around"}`))
	req.Header.Set("Authorization", "Bearer key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, strings.HasPrefix(string(b), `{"code":200,"msg":"success","data":{"taskId":"`))
	fmt.Println(srv.Sim.Creates(), srv.Sim.Balance())
	// Output:
	// 200 true
	// 1 4940
}
