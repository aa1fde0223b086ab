package fileio

import (
	"bufio"
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteJSONL writes one record per line, as encoding/json encodes it.
func WriteJSONL[T any](w io.Writer, recs []T) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteFlatCSV writes records as CSV with one column per leaf: nested objects
// become dotted column names (summary.tail_loss_mean), arrays are indexed
// (as_threshold_ci.0). Columns are sorted, except that index, elr, param,
// value and seed come first; a record without a column has an empty cell.
func WriteFlatCSV(w io.Writer, recs []map[string]any) error {
	flat := make([]map[string]string, len(recs))
	cols := map[string]bool{}
	for i, r := range recs {
		flat[i] = map[string]string{}
		flatten("", r, flat[i])
		for k := range flat[i] {
			cols[k] = true
		}
	}
	first := []string{"index", "elr", "param", "value", "seed"}
	var rest []string
	for k := range cols {
		isFirst := false
		for _, f := range first {
			isFirst = isFirst || k == f
		}
		if !isFirst {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	header := append(append([]string{}, first...), rest...)
	bw := bufio.NewWriter(w)
	writeRow := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				bw.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			bw.WriteString(c)
		}
		bw.WriteByte('\n')
	}
	writeRow(header)
	cells := make([]string, len(header))
	for _, f := range flat {
		for i, h := range header {
			cells[i] = f[h]
		}
		writeRow(cells)
	}
	return bw.Flush()
}

func flatten(prefix string, v any, out map[string]string) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			flatten(join(k), x, out)
		}
	case []any:
		for i, x := range v {
			flatten(join(strconv.Itoa(i)), x, out)
		}
	case nil:
		out[prefix] = ""
	case string:
		out[prefix] = v
	case float64:
		out[prefix] = strconv.FormatFloat(v, 'g', -1, 64)
	case json.Number:
		out[prefix] = v.String()
	default:
		b, _ := json.Marshal(v)
		out[prefix] = strings.Trim(string(b), `"`)
	}
}
