package fileio

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestWriteJSONL(t *testing.T) {
	var buf bytes.Buffer
	type rec struct {
		A int     `json:"a"`
		B float64 `json:"b"`
	}
	if err := WriteJSONL(&buf, []rec{{1, 0.5}, {2, 1e-300}}); err != nil {
		t.Fatal(err)
	}
	if want := "{\"a\":1,\"b\":0.5}\n{\"a\":2,\"b\":1e-300}\n"; buf.String() != want {
		t.Errorf("JSONL = %q, want %q", buf.String(), want)
	}
}

func TestWriteFlatCSV(t *testing.T) {
	var recs []map[string]any
	for _, line := range []string{
		`{"index":0,"elr":0.1,"param":"batch","value":4,"seed":1,"summary":{"loss":0.25,"ci":[1,2]},"regime":"chaotic equilibrium","note":"a, \"b\""}`,
		`{"index":1,"elr":1e-05,"param":"batch","value":4,"seed":1,"error":"boom","theory":null}`,
	} {
		var r map[string]any
		dec := json.NewDecoder(bytes.NewReader([]byte(line)))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	var buf bytes.Buffer
	if err := WriteFlatCSV(&buf, recs); err != nil {
		t.Fatal(err)
	}
	// The point columns first, then the others sorted; nested keys dotted,
	// arrays indexed, numbers as written, missing cells and null empty,
	// cells with commas or quotes quoted.
	want := "index,elr,param,value,seed,error,note,regime,summary.ci.0,summary.ci.1,summary.loss,theory\n" +
		"0,0.1,batch,4,1,,\"a, \"\"b\"\"\",chaotic equilibrium,1,2,0.25,\n" +
		"1,1e-05,batch,4,1,boom,,,,,,\n"
	if buf.String() != want {
		t.Errorf("CSV =\n%s\nwant\n%s", buf.String(), want)
	}
}
