package fileio

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// The one rule for numbers that JSON cannot hold: NaN, +Inf and -Inf are
// written as null, and null is read back as NaN (the sign of an infinity is
// not kept). Every result file of the project follows it.

// Finite returns v, or nil (JSON null) when v is NaN or infinite: the rule
// for a single number in a map or an anonymous struct.
func Finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// OrNaN returns *p, or NaN when p is nil: the reading side of Finite.
func OrNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalFinite encodes v as encoding/json does, except that NaN and
// infinite floating-point values, at any depth, are written as null instead
// of failing. It is meant for MarshalJSON methods: v's own MarshalJSON, if
// any, is not called (so a method may pass its receiver), but those of the
// values inside v are. Struct fields follow the json tags (name, omitempty,
// "-", and embedded structs are inlined); map keys are sorted.
func MarshalFinite(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeFinite(&buf, reflect.ValueOf(v), true); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

func writeFinite(buf *bytes.Buffer, v reflect.Value, top bool) error {
	if !v.IsValid() {
		buf.WriteString("null")
		return nil
	}
	if !top && (v.Type().Implements(marshalerType) || v.Type().Implements(textMarshalerType)) {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return writePlain(buf, v)
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			buf.WriteString("null")
			return nil
		}
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return writeFinite(buf, v.Elem(), false)
	case reflect.Slice:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			break // []byte is base64, as encoding/json writes it
		}
		fallthrough
	case reflect.Array:
		buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeFinite(buf, v.Index(i), false); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	case reflect.Map:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		return writeMap(buf, v)
	case reflect.Struct:
		buf.WriteByte('{')
		first := true
		if err := writeFields(buf, v, &first); err != nil {
			return err
		}
		buf.WriteByte('}')
		return nil
	}
	return writePlain(buf, v)
}

// writePlain writes v with encoding/json.
func writePlain(buf *bytes.Buffer, v reflect.Value) error {
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

func writeFields(buf *bytes.Buffer, v reflect.Value, first *bool) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		fv := v.Field(i)
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if fv.Kind() == reflect.Pointer {
					if fv.IsNil() {
						continue
					}
					fv = fv.Elem()
				}
				if err := writeFields(buf, fv, first); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(","+opts+",", ",omitempty,") && isEmpty(fv) {
			continue
		}
		if !*first {
			buf.WriteByte(',')
		}
		*first = false
		key, _ := json.Marshal(name)
		buf.Write(key)
		buf.WriteByte(':')
		if err := writeFinite(buf, fv, false); err != nil {
			return err
		}
	}
	return nil
}

// isEmpty is encoding/json's omitempty rule.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

func writeMap(buf *bytes.Buffer, v reflect.Value) error {
	type kv struct {
		key string
		val reflect.Value
	}
	var kvs []kv
	for it := v.MapRange(); it.Next(); {
		k := it.Key()
		var s string
		switch {
		case k.Kind() == reflect.String:
			s = k.String()
		case k.Type().Implements(textMarshalerType):
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return err
			}
			s = string(b)
		default:
			s = fmt.Sprint(k.Interface())
		}
		kvs = append(kvs, kv{s, it.Value()})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].key < kvs[j].key })
	buf.WriteByte('{')
	for i, e := range kvs {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(e.key)
		buf.Write(key)
		buf.WriteByte(':')
		if err := writeFinite(buf, e.val, false); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

// UnmarshalFinite decodes data into the struct that v points to, as
// encoding/json does, except that every floating-point field (and every
// element of a floating-point array field) first set to NaN, so that null
// or a missing key reads as NaN. It is meant for UnmarshalJSON methods,
// called with a pointer to a type without that method (type plain T).
func UnmarshalFinite(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic("fileio: UnmarshalFinite needs a non-nil pointer to a struct")
	}
	setNaN(rv.Elem())
	return json.Unmarshal(data, v)
}

func setNaN(v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		switch {
		case f.Kind() == reflect.Float32 || f.Kind() == reflect.Float64:
			f.SetFloat(math.NaN())
		case f.Kind() == reflect.Array && (f.Type().Elem().Kind() == reflect.Float64 || f.Type().Elem().Kind() == reflect.Float32):
			for j := range f.Len() {
				f.Index(j).SetFloat(math.NaN())
			}
		}
	}
}
