package sweep

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/regimes/regimes/internal/fileio"
	"github.com/regimes/regimes/internal/memguard"
)

// A Plan is the numbered list of points of a parameter sweep: a log-spaced
// grid of ELRs times the values of one second parameter times seeds, on top
// of a base configuration that is opaque to this package (the caller's run
// settings, for example a toy and its simulation length).
//
// Points are numbered in the order ELR (fastest), value, seed, so that a
// shard i/n, which takes every point with Index%n == i, gets a fair mix.
// The plan's ID is a hash of its content, so that results of different plans
// are never merged.
type Plan struct {
	// ID is the hex SHA-256 of the plan's other fields; see (*Plan).Seal.
	ID string `json:"id"`
	// Base is the caller's configuration shared by every point.
	Base json.RawMessage `json:"base"`
	// ELR holds the effective learning rates of the grid.
	ELR []float64 `json:"elr"`
	// Param names the second parameter (for example "batch"); Values holds its values.
	Param  string    `json:"param"`
	Values []float64 `json:"values"`
	// Seeds holds the run seeds; every (ELR, value) pair is run once per seed.
	Seeds []uint64 `json:"seeds"`
	// Points is the numbered point list, derived from the fields above.
	Points []Point `json:"points"`
}

// A Point is one run of a sweep.
type Point struct {
	Index int     `json:"index"`
	ELR   float64 `json:"elr"`
	Param string  `json:"param"`
	Value float64 `json:"value"`
	Seed  uint64  `json:"seed"`
}

// LogSpace returns n values spaced evenly on a log scale from lo to hi
// inclusive. It panics unless 0 < lo <= hi and n >= 1.
func LogSpace(lo, hi float64, n int) []float64 {
	if !(lo > 0) || !(hi >= lo) || n < 1 {
		panic("sweep: LogSpace needs 0 < lo <= hi and n >= 1")
	}
	v := make([]float64, n)
	if n == 1 {
		v[0] = lo
		return v
	}
	a, b := math.Log(lo), math.Log(hi)
	for i := range v {
		v[i] = math.Exp(a + (b-a)*float64(i)/float64(n-1))
	}
	v[0], v[n-1] = lo, hi
	return v
}

// pointBytes is an upper estimate of the memory one point of a sweep needs
// when its plan and, at merge time, its result record are held in memory.
const pointBytes = 4 << 10

// CheckPlanSize returns an error when a sweep of the given number of points
// (which may be a product of absurd flag values, hence a float64) would need
// more memory than memguard.Limit for its plan and results; what names the
// request, as in "-elr-points 100000000".
func CheckPlanSize(what string, points float64) error {
	return memguard.Check(fmt.Sprintf("a sweep of %.4g points (%s)", points, what), points*pointBytes)
}

// NewPlan numbers the points of the grid elr × values × seeds and seals the
// plan. base is marshalled to JSON. An empty values list means a sweep over
// ELR and seeds only (one value, 0, for param). A grid too large for the
// machine's memory is refused (CheckPlanSize).
func NewPlan(base any, elr []float64, param string, values []float64, seeds []uint64) (*Plan, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return nil, fmt.Errorf("sweep plan: base configuration: %w", err)
	}
	if len(elr) == 0 {
		return nil, errors.New("sweep plan: no ELR values")
	}
	for _, e := range elr {
		if !(e > 0) || math.IsInf(e, 0) {
			return nil, fmt.Errorf("sweep plan: ELR %v is not a positive finite number", e)
		}
	}
	if len(values) == 0 {
		values = []float64{0}
	}
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("sweep plan: %s value %v is not finite", param, v)
		}
	}
	if len(seeds) == 0 {
		return nil, errors.New("sweep plan: no seeds")
	}
	if err := CheckPlanSize(fmt.Sprintf("%d ELRs x %d values x %d seeds", len(elr), len(values), len(seeds)), float64(len(elr))*float64(len(values))*float64(len(seeds))); err != nil {
		return nil, fmt.Errorf("sweep plan: %w", err)
	}
	p := &Plan{Base: raw, ELR: elr, Param: param, Values: values, Seeds: seeds}
	for _, s := range seeds {
		for _, v := range values {
			for _, e := range elr {
				p.Points = append(p.Points, Point{Index: len(p.Points), ELR: e, Param: param, Value: v, Seed: s})
			}
		}
	}
	p.Seal()
	return p, nil
}

// Seal sets p.ID to the hash of the plan's content.
func (p *Plan) Seal() {
	p.ID = p.hash()
}

func (p *Plan) hash() string {
	q := *p
	q.ID = ""
	b, err := json.Marshal(&q)
	if err != nil {
		panic("analysis: plan does not marshal: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Check verifies that the plan's points follow from its grid and that its ID
// matches its content, so that an edited or truncated plan file is refused.
func (p *Plan) Check() error {
	if p.ID == "" || p.hash() != p.ID {
		return errors.New("sweep plan: the plan's id does not match its content (edited or damaged plan file)")
	}
	want := len(p.ELR) * len(p.Values) * len(p.Seeds)
	if len(p.Points) != want || want == 0 {
		return fmt.Errorf("sweep plan: %d points, want %d", len(p.Points), want)
	}
	for i, pt := range p.Points {
		if pt.Index != i {
			return fmt.Errorf("sweep plan: point %d has index %d", i, pt.Index)
		}
	}
	return nil
}

// ReadPlan reads and checks a plan file.
func ReadPlan(name string) (*Plan, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: not a sweep plan: %v", name, err)
	}
	var base bytes.Buffer
	if err := json.Compact(&base, p.Base); err != nil {
		return nil, fmt.Errorf("%s: not a sweep plan: %v", name, err)
	}
	p.Base = base.Bytes()
	if err := p.Check(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &p, nil
}

// WritePlan writes the plan to name atomically.
func WritePlan(name string, p *Plan) error {
	return fileio.WriteFile(name, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(p)
	})
}

// A Shard selects the points with Index%Count == Index of a plan.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" with 0 <= i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("shard %q: want i/n, for example 0/4", s)
	}
	sh := Shard{Index: i, Count: n}
	return sh, sh.check()
}

func (s Shard) check() error {
	if s.Count < 1 || s.Index < 0 || s.Index >= s.Count {
		return fmt.Errorf("shard %d/%d: the index must be in 0..n-1 and n >= 1", s.Index, s.Count)
	}
	return nil
}

// String returns the shard as "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ChooseShard returns the shard a run takes: the one given as "i/n" when
// given is not empty, else the cluster array job's (ShardFromEnv with
// getenv and count), else every point (shard 0/1).
func ChooseShard(given string, getenv func(string) string, count int) (Shard, error) {
	if given != "" {
		return ParseShard(given)
	}
	s, ok, err := ShardFromEnv(getenv, count)
	if err != nil || !ok {
		return Shard{Index: 0, Count: 1}, err
	}
	return s, nil
}

// ErrNoShardCount is wrapped by ShardFromEnv's error for an array job
// whose shard count is neither given nor in SLURM_ARRAY_TASK_COUNT (a
// Kubernetes Indexed Job, whose count the caller must pass).
var ErrNoShardCount = errors.New("the shard count is unknown: pass the count")

// ShardFromEnv returns the shard of a cluster array job: the index from
// SLURM_ARRAY_TASK_ID (Slurm job arrays) or JOB_COMPLETION_INDEX (Kubernetes
// Indexed Jobs), and the count from count when positive, else from
// SLURM_ARRAY_TASK_COUNT. Slurm array indices are taken relative to
// SLURM_ARRAY_TASK_MIN when that is set. ok is false when no index variable
// is set.
func ShardFromEnv(getenv func(string) string, count int) (s Shard, ok bool, err error) {
	idx, name := getenv("SLURM_ARRAY_TASK_ID"), "SLURM_ARRAY_TASK_ID"
	if idx == "" {
		idx, name = getenv("JOB_COMPLETION_INDEX"), "JOB_COMPLETION_INDEX"
	}
	if idx == "" {
		return Shard{}, false, nil
	}
	i, err := strconv.Atoi(idx)
	if err != nil {
		return Shard{}, true, fmt.Errorf("%s=%q is not an integer", name, idx)
	}
	if name == "SLURM_ARRAY_TASK_ID" {
		if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
			min, err := strconv.Atoi(m)
			if err != nil {
				return Shard{}, true, fmt.Errorf("SLURM_ARRAY_TASK_MIN=%q is not an integer", m)
			}
			i -= min
		}
	}
	if count <= 0 {
		c := getenv("SLURM_ARRAY_TASK_COUNT")
		if c == "" {
			return Shard{}, true, fmt.Errorf("%s is set but %w", name, ErrNoShardCount)
		}
		if count, err = strconv.Atoi(c); err != nil {
			return Shard{}, true, fmt.Errorf("SLURM_ARRAY_TASK_COUNT=%q is not an integer", c)
		}
	}
	s = Shard{Index: i, Count: count}
	return s, true, s.check()
}

// Points returns the points of p that belong to shard s.
func (p *Plan) ShardPoints(s Shard) []Point {
	var pts []Point
	for _, pt := range p.Points {
		if pt.Index%s.Count == s.Index {
			pts = append(pts, pt)
		}
	}
	return pts
}

// A PointResult is the record of one finished point: the point, the plan it
// belongs to, and the caller's result (an object in the sweep result format)
// or the error that ended the run.
type PointResult struct {
	Plan   string          `json:"plan"`
	Point  Point           `json:"point"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// A Runner runs one point of a sweep. It must derive all its randomness from
// the point (its seed), so that a point's result does not depend on which
// shard or goroutine runs it. An error is recorded as the point's result; it
// does not stop the sweep.
type Runner func(ctx context.Context, base json.RawMessage, pt Point) (any, error)

// PointFile returns the path of the result file of point index in dir.
func PointFile(dir string, index int) string {
	return filepath.Join(dir, fmt.Sprintf("point-%06d.json", index))
}

// RunShard runs the points of shard s that have no result file in dir yet,
// on workers goroutines, writing each point's result atomically to its own
// file as soon as it is done. Rerunning a killed shard therefore redoes only
// unfinished points. Each point is claimed with a lock file
// (point-NNNNNN.lock, removed when its result is written) so that several
// runners of the same shard share its points instead of each doing all of
// them: a point that another runner holds is skipped (and counted as
// finished for done). done, when not nil, is called after each point (from
// the worker goroutine, serialised). RunShard returns the number of points
// it ran; it stops early, with ctx's error, when ctx is cancelled.
func RunShard(ctx context.Context, p *Plan, s Shard, dir string, workers int, run Runner, done func(finished, total int)) (int, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	if err := fileio.MkdirClean(dir); err != nil {
		return 0, err
	}
	// The lock files of killed runners (no process holds them) go too.
	locks, _ := filepath.Glob(filepath.Join(dir, "point-*.lock"))
	for _, l := range locks {
		if unlock, held, err := fileio.TryLock(l); err == nil && held {
			unlock()
		}
	}
	var todo []Point
	for _, pt := range p.ShardPoints(s) {
		if pr, err := readPointResult(PointFile(dir, pt.Index)); err == nil && pr.Plan == p.ID {
			continue
		} else if err == nil {
			return 0, fmt.Errorf("%s: result of another sweep plan (%.12s, want %.12s): use another folder", PointFile(dir, pt.Index), pr.Plan, p.ID)
		}
		todo = append(todo, pt)
	}
	if workers < 1 {
		workers = 1
	}
	jobs := make(chan Point)
	var (
		mu       sync.Mutex
		firstErr error
		finished int
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for pt := range jobs {
				unlock, held, err := claim(p, dir, pt)
				if err != nil || !held {
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					finished++
					if done != nil {
						done(finished, len(todo))
					}
					mu.Unlock()
					continue
				}
				res, err := run(ctx, p.Base, pt)
				if ctx.Err() != nil {
					unlock()
					return // a cancelled run is not a result
				}
				pr := PointResult{Plan: p.ID, Point: pt}
				if err != nil {
					pr.Error = oneLine(err.Error())
				} else if pr.Result, err = json.Marshal(res); err != nil {
					pr.Error = "result does not marshal: " + err.Error()
					pr.Result = nil
				}
				werr := fileio.WriteFile(PointFile(dir, pt.Index), func(w io.Writer) error {
					return json.NewEncoder(w).Encode(&pr)
				})
				unlock()
				mu.Lock()
				if werr != nil && firstErr == nil {
					firstErr = werr
				}
				finished++
				if done != nil {
					done(finished, len(todo))
				}
				mu.Unlock()
			}
		}()
	}
	for _, pt := range todo {
		if ctx.Err() != nil || firstErr != nil {
			break
		}
		jobs <- pt
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return finished, firstErr
	}
	return finished, ctx.Err()
}

// claim takes the lock file of point pt in dir (point-NNNNNN.lock), so that
// a second runner of the same shard skips the points the first one holds.
// held is false when another runner holds the point or has finished it
// since the shard's list was made.
func claim(p *Plan, dir string, pt Point) (unlock func(), held bool, err error) {
	name := strings.TrimSuffix(PointFile(dir, pt.Index), ".json") + ".lock"
	unlock, held, err = fileio.TryLock(name)
	if err != nil || !held {
		return nil, false, err
	}
	if pr, err := readPointResult(PointFile(dir, pt.Index)); err == nil && pr.Plan == p.ID {
		unlock()
		return nil, false, nil
	}
	return unlock, true, nil
}

// Holder describes the process that holds the lock of point index in dir
// (another runner of the sweep working on it, RunShard), or returns ""
// when the point is not locked or the holder cannot be told (on Linux it
// is read from /proc/locks): "pid N (COMMAND LINE)", or "pid N (exited)"
// when the lock outlived the process that took it in a child.
func Holder(dir string, index int) string {
	name := strings.TrimSuffix(PointFile(dir, index), ".json") + ".lock"
	if unlock, held, err := fileio.TryLock(name); err != nil || held {
		if held {
			unlock()
		}
		return ""
	}
	pid, ok := fileio.LockHolder(name)
	if !ok {
		return "an unknown process"
	}
	if cmd, ok := cmdline(pid); ok {
		return fmt.Sprintf("pid %d (%s)", pid, cmd)
	}
	// The lock outlived its taker: a process that inherited the
	// descriptor (a child forked while it was open) holds it now.
	abs, _ := filepath.Abs(name)
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == abs {
			var open int
			fmt.Sscanf(fd, "/proc/%d/", &open)
			cmd, _ := cmdline(open)
			return fmt.Sprintf("pid %d (exited; the file is open in pid %d: %s)", pid, open, cmd)
		}
	}
	return fmt.Sprintf("pid %d (exited)", pid)
}

// cmdline returns the command line of process pid, if it is alive.
func cmdline(pid int) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " ")), true
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func readPointResult(name string) (*PointResult, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var pr PointResult
	if err := json.Unmarshal(b, &pr); err != nil {
		return nil, fmt.Errorf("%s: damaged point result: %v", name, err)
	}
	return &pr, nil
}

// Merge collects the point results of plan p from the folders dirs (each the
// output folder of one or more shards), in index order. A point found in
// several folders is taken once; two different results for the same point are
// an error, as is a result file of another plan. Missing points are listed in
// missing; it is the caller's choice whether that is an error.
func Merge(p *Plan, dirs []string) (results []PointResult, missing []int, err error) {
	byIndex := make(map[int]PointResult)
	for _, dir := range dirs {
		names, err := filepath.Glob(filepath.Join(dir, "point-*.json"))
		if err != nil {
			return nil, nil, err
		}
		sort.Strings(names)
		for _, name := range names {
			pr, err := readPointResult(name)
			if err != nil {
				return nil, nil, err
			}
			if pr.Plan != p.ID {
				return nil, nil, fmt.Errorf("%s: result of another sweep plan (%.12s, want %.12s): refusing to mix plans", name, pr.Plan, p.ID)
			}
			i := pr.Point.Index
			if i < 0 || i >= len(p.Points) || pr.Point != p.Points[i] {
				return nil, nil, fmt.Errorf("%s: point %d does not match the plan", name, i)
			}
			if old, ok := byIndex[i]; ok {
				if !bytes.Equal(old.Result, pr.Result) || old.Error != pr.Error {
					return nil, nil, fmt.Errorf("%s: point %d has two different results", name, i)
				}
				continue
			}
			byIndex[i] = *pr
		}
	}
	for i := range p.Points {
		pr, ok := byIndex[i]
		if !ok {
			missing = append(missing, i)
			continue
		}
		results = append(results, pr)
	}
	return results, missing, nil
}

// Record returns the flat sweep result record of a point result: the
// caller's result object with the point's index, elr, param, value and seed
// (and error, for a failed point) set at the top level.
func (pr PointResult) Record() (map[string]any, error) {
	rec := map[string]any{}
	if len(pr.Result) > 0 && string(pr.Result) != "null" {
		dec := json.NewDecoder(bytes.NewReader(pr.Result))
		dec.UseNumber()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("point %d: result is not a JSON object: %v", pr.Point.Index, err)
		}
	}
	rec["index"] = pr.Point.Index
	rec["elr"] = pr.Point.ELR
	rec["param"] = pr.Point.Param
	rec["value"] = pr.Point.Value
	rec["seed"] = pr.Point.Seed
	if pr.Error != "" {
		rec["error"] = pr.Error
	}
	return rec, nil
}
