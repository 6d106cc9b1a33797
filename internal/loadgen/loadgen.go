// Package loadgen drives HTTP GET requests at a fixed number of concurrent
// keep-alive connections for a fixed time and summarises them (requests/s,
// latency percentiles, errors); it also writes the results as a Markdown
// table into a marked section of a document. It is the engine of `make
// bench` (cmd/weerbaar-bench); the pure parts (percentiles, table, markers)
// are tested, the timings never asserted.
package loadgen

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Target is one page to load: its URL and the headers every request sends
// (the session cookie).
type Target struct {
	URL    string
	Header http.Header
}

// Stats summarises one load run.
type Stats struct {
	Conns     int
	Requests  int // answered 200, started within the measured time
	Errors    int // transport errors and statuses other than 200
	FirstErr  string
	Elapsed   time.Duration
	P50, P95  time.Duration
	P99, Max  time.Duration
	PerSecond float64
}

// Run loads t with conns connections: a warm-up (not counted) and then
// duration of measured requests. Each connection sends its next request as
// soon as the previous answer is read (closed loop), so requests/s is the
// server's throughput at that concurrency. A request started within the
// time is waited for, not cancelled, so a page slower than the run still
// gets a sample per connection; the elapsed time then runs until the last
// answer. ctx cancels everything.
func Run(ctx context.Context, t Target, conns int, warmup, duration time.Duration) Stats {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		// A redirect (to the sign-in form) is an error of the page, not a
		// second request to time.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	if warmup > 0 {
		drive(ctx, client, t, conns, time.Now().Add(warmup))
	}
	start := time.Now()
	results := drive(ctx, client, t, conns, start.Add(duration))
	elapsed := time.Since(start)

	s := Stats{Conns: conns, Elapsed: elapsed}
	var lat []time.Duration
	for _, r := range results {
		lat = append(lat, r.latencies...)
		s.Errors += r.errors
		if s.FirstErr == "" {
			s.FirstErr = r.firstErr
		}
	}
	s.Requests = len(lat)
	slices.Sort(lat)
	s.P50, s.P95, s.P99 = Percentile(lat, 50), Percentile(lat, 95), Percentile(lat, 99)
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	if elapsed > 0 {
		s.PerSecond = float64(s.Requests) / elapsed.Seconds()
	}
	return s
}

// workerResult is what one connection saw.
type workerResult struct {
	latencies []time.Duration
	errors    int
	firstErr  string
}

// drive runs conns closed-loop workers that start requests until the
// deadline and wait for the last one.
func drive(ctx context.Context, client *http.Client, t Target, conns int, deadline time.Time) []workerResult {
	results := make([]workerResult, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func(r *workerResult) {
			defer wg.Done()
			r.latencies = make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				begin := time.Now()
				err := get(ctx, client, t)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					r.errors++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.latencies = append(r.latencies, time.Since(begin))
			}
		}(&results[i])
	}
	wg.Wait()
	return results
}

// get sends one request and reads the whole answer, so the connection is
// reused; anything but 200 is an error.
func get(ctx context.Context, client *http.Client, t Target) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return err
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted
// latencies: the smallest sample with at least p % of the samples at or
// below it; 0 without samples.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 || p <= 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}
