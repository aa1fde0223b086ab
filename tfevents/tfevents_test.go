package tfevents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// fixtureDir holds an event file written by testdata/tfevents/tb_fixture.py
// (protoc-compiled TensorBoard messages, TensorFlow's record framing) and
// fixture.json, the scalars the script put in it.
const fixtureDir = "../testdata/tfevents"

func TestCRC32C(t *testing.T) {
	// The CRC-32C check value of "123456789" is 0xe3069283 (RFC 3720,
	// appendix B.4; the catalogue of parametrised CRCs).
	if got := crc32.Checksum([]byte("123456789"), castagnoli); got != 0xe3069283 {
		t.Fatalf("crc32c = %#x, want 0xe3069283", got)
	}
}

type fixtureScalar struct {
	tag  string
	step int64
	x    float64 // NaN for null
}

func readFixtureJSON(t *testing.T, r io.Reader) []fixtureScalar {
	t.Helper()
	var out []fixtureScalar
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var row [3]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("%q: %v", sc.Text(), err)
		}
		x := math.NaN()
		if v, ok := row[2].(float64); ok {
			x = v
		}
		out = append(out, fixtureScalar{row[0].(string), int64(row[1].(float64)), x})
	}
	return out
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func TestReadFixture(t *testing.T) {
	f, err := os.Open(filepath.Join(fixtureDir, "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := readFixtureJSON(t, f)
	got, err := ReadScalars(fixtureDir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d scalars, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Tag != w.tag || g.Step != w.step || !sameFloat(g.X, w.x) {
			t.Errorf("scalar %d = %s@%d %v, want %s@%d %v", i, g.Tag, g.Step, g.X, w.tag, w.step, w.x)
		}
	}
	// The first event is the file version, and the histogram is skipped.
	ef, err := os.Open(filepath.Join(fixtureDir, "events.out.tfevents.1700000000.fixture"))
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	r := NewReader(ef)
	ev, err := r.Next()
	if err != nil || ev.FileVersion != FileVersion || ev.WallTime != 1700000000 {
		t.Fatalf("first event %+v, %v; want file_version %q at 1700000000", ev, err, FileVersion)
	}
	var histos int
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range ev.Values {
			if v.Tag == "weights" {
				histos++
				if v.Scalar {
					t.Errorf("histogram read as a scalar")
				}
			}
		}
	}
	if histos != 5 { // steps 1..5 of tb_fixture.py carry one
		t.Errorf("%d histogram values, want 5", histos)
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	now := time.Unix(1700000000, 250e6)
	if err := w.Write(Event{WallTime: wallTime(now), FileVersion: FileVersion}); err != nil {
		t.Fatal(err)
	}
	in := []Event{
		{WallTime: 1700000001.5, Step: 0, Values: []Value{{Tag: "train_loss", Scalar: true, X: 2.25}}},
		{WallTime: 1700000002.5, Step: 1, Values: []Value{{Tag: "train_loss", Scalar: true, X: 1.5}, {Tag: "angle", Scalar: true, X: math.Inf(1)}}},
		{WallTime: 1700000003.5, Step: 1 << 40, Values: []Value{{Tag: "x", Scalar: true, X: math.NaN()}}},
		{WallTime: 1700000004.5, Step: -3},
	}
	for _, ev := range in {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(&buf)
	ev, err := r.Next()
	if err != nil || ev.FileVersion != FileVersion || ev.WallTime != 1700000000.25 {
		t.Fatalf("file version event %+v, %v", ev, err)
	}
	for i, want := range in {
		got, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if got.WallTime != want.WallTime || got.Step != want.Step || len(got.Values) != len(want.Values) {
			t.Fatalf("event %d = %+v, want %+v", i, got, want)
		}
		for j := range want.Values {
			g, w := got.Values[j], want.Values[j]
			// simple_value is a float32: the values above are exact in it.
			if g.Tag != w.Tag || !g.Scalar || !sameFloat(g.X, w.X) {
				t.Errorf("event %d value %d = %+v, want %+v", i, j, g, w)
			}
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("after the last event: %v, want io.EOF", err)
	}
}

// tensorValue encodes a Summary.Value holding a TensorProto by hand, so
// that the tensor decoding is checked against an encoding independent of
// AppendEvent.
func tensorValue(tag string, dtype uint64, dims []int64, body func([]byte) []byte) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		dim = protowire.AppendTag(dim, dimSize, protowire.VarintType)
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = protowire.AppendTag(shape, shapeDim, protowire.BytesType)
		shape = protowire.AppendBytes(shape, dim)
	}
	var tp []byte
	tp = protowire.AppendTag(tp, tensorDtype, protowire.VarintType)
	tp = protowire.AppendVarint(tp, dtype)
	tp = protowire.AppendTag(tp, tensorShape, protowire.BytesType)
	tp = protowire.AppendBytes(tp, shape)
	tp = body(tp)
	var v []byte
	v = protowire.AppendTag(v, valueTag, protowire.BytesType)
	v = protowire.AppendString(v, tag)
	v = protowire.AppendTag(v, valueTensor, protowire.BytesType)
	v = protowire.AppendBytes(v, tp)
	var s []byte
	s = protowire.AppendTag(s, summaryValue, protowire.BytesType)
	s = protowire.AppendBytes(s, v)
	var ev []byte
	ev = protowire.AppendTag(ev, eventStep, protowire.VarintType)
	ev = protowire.AppendVarint(ev, 7)
	ev = protowire.AppendTag(ev, eventSummary, protowire.BytesType)
	return protowire.AppendBytes(ev, s)
}

func TestTensorScalars(t *testing.T) {
	packedF := func(xs ...float32) func([]byte) []byte {
		return func(b []byte) []byte {
			var p []byte
			for _, x := range xs {
				p = protowire.AppendFixed32(p, math.Float32bits(x))
			}
			b = protowire.AppendTag(b, tensorFloatVal, protowire.BytesType)
			return protowire.AppendBytes(b, p)
		}
	}
	unpackedD := func(x float64) func([]byte) []byte {
		return func(b []byte) []byte {
			b = protowire.AppendTag(b, tensorDoubleVal, protowire.Fixed64Type)
			return protowire.AppendFixed64(b, math.Float64bits(x))
		}
	}
	content := func(c ...byte) func([]byte) []byte {
		return func(b []byte) []byte {
			b = protowire.AppendTag(b, tensorContent, protowire.BytesType)
			return protowire.AppendBytes(b, c)
		}
	}
	for _, tc := range []struct {
		name    string
		dtype   uint64
		dims    []int64
		body    func([]byte) []byte
		scalar  bool
		x       float64
		wantErr bool
	}{
		{"float_val rank 0", dtFloat, nil, packedF(0.25), true, 0.25, false},
		{"float_val shape [1,1]", dtFloat, []int64{1, 1}, packedF(0.5), true, 0.5, false},
		{"double_val unpacked", dtDouble, nil, unpackedD(1e-300), true, 1e-300, false},
		// 0x3f800000 is 1.0 in float32, little endian.
		{"tensor_content float", dtFloat, nil, content(0, 0, 0x80, 0x3f), true, 1, false},
		// 0x4000000000000000 is 2.0 in float64.
		{"tensor_content double", dtDouble, nil, content(0, 0, 0, 0, 0, 0, 0, 0x40), true, 2, false},
		{"vector", dtFloat, []int64{2}, packedF(1, 2), false, 0, false},
		{"int tensor", 3, nil, packedF(1), false, 0, false},
		{"no value", dtFloat, nil, func(b []byte) []byte { return b }, false, 0, false},
		{"short content", dtFloat, nil, content(1, 2), false, 0, true},
	} {
		ev, err := UnmarshalEvent(tensorValue("t", tc.dtype, tc.dims, tc.body))
		if tc.wantErr {
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if ev.Step != 7 || len(ev.Values) != 1 || ev.Values[0].Tag != "t" {
			t.Errorf("%s: event %+v", tc.name, ev)
			continue
		}
		v := ev.Values[0]
		if v.Scalar != tc.scalar || (tc.scalar && v.X != tc.x) {
			t.Errorf("%s: %+v, want scalar %v %v", tc.name, v, tc.scalar, tc.x)
		}
	}
}

func fixtureBytes(t testing.TB) []byte {
	b, err := os.ReadFile(filepath.Join(fixtureDir, "events.out.tfevents.1700000000.fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAll(b []byte) (n int, err error) {
	r := NewReader(bytes.NewReader(b))
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func TestCorrupt(t *testing.T) {
	good := fixtureBytes(t)
	n, err := readAll(good)
	if err != nil || n != 13 { // 1 file version + 6 loss + 5 tensor + 1 NaN events, see tb_fixture.py
		t.Fatalf("fixture: %d events, %v", n, err)
	}
	// Every cut inside a record is a truncation error, never a panic or
	// a silent short read; cuts at record boundaries are clean ends.
	bounds := map[int]bool{0: true}
	for off := 0; off < len(good); {
		length := int(uint64(good[off]) | uint64(good[off+1])<<8) // records are short
		off += 12 + length + 4
		bounds[off] = true
	}
	for cut := 0; cut < len(good); cut++ {
		_, err := readAll(good[:cut])
		if bounds[cut] {
			if err != nil {
				t.Fatalf("cut at record boundary %d: %v", cut, err)
			}
			continue
		}
		var fe *FormatError
		if !errors.Is(err, ErrTruncated) || !errors.As(err, &fe) {
			t.Fatalf("cut at %d: %v, want a truncated-record error", cut, err)
		}
	}
	// Every flipped bit is caught by a CRC (CRC-32C detects all single-bit
	// errors) or gives a clean error; never a silent wrong value.
	for i := 0; i < len(good); i++ {
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(good)
			b[i] ^= 1 << bit
			_, err := readAll(b)
			if err == nil {
				t.Fatalf("bit %d of byte %d flipped: no error", bit, i)
			}
			if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrTruncated) && !strings.Contains(err.Error(), "exceeds") {
				t.Fatalf("bit %d of byte %d flipped: %v", bit, i, err)
			}
		}
	}
	_, err = readAll([]byte("step,loss\n0,1\n1,0.5\n"))
	if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), "not an event file") {
		t.Fatalf("CSV read as events: %v", err)
	}
}

func FuzzReader(f *testing.F) {
	good := fixtureBytes(f)
	f.Add(good)
	f.Add(good[:40])
	f.Add(AppendRecord(nil, []byte{0x2a, 0x03, 0x01, 0x02}))
	f.Add(AppendRecord(nil, tensorValue("t", dtFloat, []int64{1}, func(b []byte) []byte { return b })))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b))
		for i := 0; ; i++ {
			ev, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) || err.Error() == "" {
					t.Fatalf("error %v is not a *FormatError", err)
				}
				return
			}
			// A decoded event re-encodes and decodes to the same scalars.
			var scalars []Value
			for _, v := range ev.Values {
				if v.Scalar {
					scalars = append(scalars, v)
				}
			}
			ev.Values = scalars
			back, err := UnmarshalEvent(AppendEvent(nil, ev))
			if err != nil {
				t.Fatalf("re-encoded event: %v", err)
			}
			if back.Step != ev.Step || !sameFloat(back.WallTime, ev.WallTime) || back.FileVersion != ev.FileVersion {
				t.Fatalf("re-encoded %+v as %+v", ev, back)
			}
			if ev.FileVersion == "" && len(back.Values) != len(scalars) {
				t.Fatalf("re-encoded %d scalars as %d", len(scalars), len(back.Values))
			}
		}
	})
}

// havePythonProtobuf reports whether protoc and Debian's python3-protobuf
// are installed.
func havePythonProtobuf() bool {
	_, err := exec.LookPath("protoc")
	return err == nil && exec.Command("/usr/bin/python3", "-c", "import google.protobuf").Run() == nil
}

// needPythonProtobuf skips the test without protoc and python3-protobuf,
// except in CI (CI=true, as .ci/run is run) or with REGIMES_APT=1, where it
// installs them (scripts/apt-install) so that the cross-check runs on a
// clean machine.
func needPythonProtobuf(t *testing.T) {
	t.Helper()
	if havePythonProtobuf() {
		return
	}
	if os.Getenv("CI") != "true" && os.Getenv("REGIMES_APT") != "1" {
		t.Skip("protoc or python3-protobuf missing: apt-get install protobuf-compiler python3-protobuf (CI, or REGIMES_APT=1, installs them)")
	}
	if out, err := exec.Command("bash", "../scripts/apt-install", "protobuf-compiler", "python3-protobuf").CombinedOutput(); err != nil {
		t.Fatalf("installing protobuf-compiler and python3-protobuf: %v\n%s", err, out)
	}
	if !havePythonProtobuf() {
		t.Fatal("protoc or python3-protobuf still missing after apt-install")
	}
}

// TestPythonReader checks that the protobuf runtime reads our writer's
// files: tb_fixture.py parses them with protoc-generated classes of
// TensorBoard's messages and its own CRC-32C. It needs protoc and
// python3-protobuf (needPythonProtobuf).
func TestPythonReader(t *testing.T) {
	needPythonProtobuf(t)
	dir := t.TempDir()
	now := time.Unix(1700000000, 0)
	f, err := Create(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	var want []fixtureScalar
	for step := int64(0); step < 5; step++ {
		tags := []string{"train_loss", "angle_step_mean"}
		xs := []float64{float64(float32(2.3 / float64(step+1))), float64(float32(1.57))}
		if step == 3 {
			xs[1] = math.NaN()
		}
		if err := f.WriteScalars(step, now.Add(time.Duration(step)*time.Second), tags, xs); err != nil {
			t.Fatal(err)
		}
		for i := range tags {
			want = append(want, fixtureScalar{tags[i], step, xs[i]})
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", filepath.Join(fixtureDir, "tb_fixture.py"), "read", dir).Output()
	if err != nil {
		t.Fatalf("tb_fixture.py read: %v", err)
	}
	got := readFixtureJSON(t, bytes.NewReader(out))
	if len(got) != len(want) {
		t.Fatalf("python read %d scalars, want %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		if got[i].tag != want[i].tag || got[i].step != want[i].step || !sameFloat(got[i].x, want[i].x) {
			t.Errorf("python read %+v, want %+v", got[i], want[i])
		}
	}
	// The event files of testdata/foreign, which our writer made from
	// real training logs: the Python reader and ours agree on every scalar.
	tbs, _ := filepath.Glob("../testdata/foreign/*.tb")
	if len(tbs) == 0 {
		t.Fatal("no testdata/foreign/*.tb")
	}
	for _, tb := range tbs {
		out, err := exec.Command("/usr/bin/python3", filepath.Join(fixtureDir, "tb_fixture.py"), "read", tb).Output()
		if err != nil {
			t.Fatalf("tb_fixture.py read %s: %v", tb, err)
		}
		py := readFixtureJSON(t, bytes.NewReader(out))
		ours, err := ReadScalars(tb, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(py) != len(ours) || len(ours) == 0 {
			t.Fatalf("%s: python read %d scalars, we read %d", tb, len(py), len(ours))
		}
		for i := range py {
			if py[i].tag != ours[i].Tag || py[i].step != ours[i].Step || !sameFloat(py[i].x, ours[i].X) {
				t.Errorf("%s scalar %d: python %+v, ours %+v", tb, i, py[i], ours[i])
			}
		}
	}
}

// TestCreateNeverOverwrites checks that two event files created in one
// folder at the same moment get different names (the second a numeric
// suffix), both inside the folder, as Name reports them.
func TestCreateNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	now := time.Unix(1700000000, 0)
	a, err := Create(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Create(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Name() == b.Name() || filepath.Dir(a.Name()) != dir || b.Name() != a.Name()+".1" {
		t.Errorf("names %q and %q, want two in %s, the second with suffix .1", a.Name(), b.Name(), dir)
	}
}

// TestFixtureRegenerates checks that the committed fixture is what
// tb_fixture.py writes: the event file byte for byte and the scalars it
// lists.
func TestFixtureRegenerates(t *testing.T) {
	needPythonProtobuf(t)
	dir := t.TempDir()
	if out, err := exec.Command("/usr/bin/python3", filepath.Join(fixtureDir, "tb_fixture.py"), "write", dir).CombinedOutput(); err != nil {
		t.Fatalf("tb_fixture.py write: %v\n%s", err, out)
	}
	for _, name := range []string{"events.out.tfevents.1700000000.fixture", "fixture.json"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("tb_fixture.py write makes another %s (%d bytes, committed %d)", name, len(got), len(want))
		}
	}
}
