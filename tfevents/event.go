package tfevents

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// FileVersion is the file_version of the first event of every event file
// TensorBoard writes today.
const FileVersion = "brain.Event:2"

// An Event is the part of a tensorboard.Event that carries scalars.
type Event struct {
	// WallTime is the time of the event in seconds since the Unix epoch.
	WallTime float64
	// Step is the global step (PyTorch's global_step; an epoch for
	// per-epoch logs).
	Step int64
	// FileVersion is set on a file's first event ("brain.Event:2").
	FileVersion string
	// Values holds the values of the event's summary, in file order.
	Values []Value
}

// A Value is one tagged value of a summary.
type Value struct {
	Tag string
	// Scalar reports whether the value is a scalar: a simple_value, or a
	// tensor of dtype DT_FLOAT or DT_DOUBLE holding one element. Images,
	// histograms, text and other tensors have Scalar false.
	Scalar bool
	// X is the scalar (NaN when Scalar is false). A simple_value is a
	// float32 and X holds it exactly.
	X float64
}

// Field numbers of tensorboard/compat/proto/event.proto, summary.proto,
// tensor.proto, tensor_shape.proto and types.proto.
const (
	eventWallTime    = 1 // double
	eventStep        = 2 // int64
	eventFileVersion = 3 // string
	eventSummary     = 5 // Summary

	summaryValue = 1 // repeated Summary.Value

	valueTag         = 1 // string
	valueSimpleValue = 2 // float
	valueImage       = 4
	valueHisto       = 5
	valueAudio       = 6
	valueTensor      = 8 // TensorProto

	tensorDtype      = 1 // DataType enum
	tensorShape      = 2 // TensorShapeProto
	tensorContent    = 4 // bytes, little endian
	tensorFloatVal   = 5 // repeated float, packed
	tensorDoubleVal  = 6 // repeated double, packed
	shapeDim         = 2 // repeated Dim
	dimSize          = 1 // int64
	dtFloat          = 1 // DT_FLOAT
	dtDouble         = 2 // DT_DOUBLE
	shapeUnknownRank = 3 // bool
	maxDims          = 64
)

// errField describes a malformed field in a protocol buffer.
func errField(msg string, num protowire.Number, err error) error {
	return fmt.Errorf("%s field %d: %v", msg, num, err)
}

// fields calls f for every field of the message b, with the field's number,
// wire type and its raw value (for BytesType the payload only). It fails
// on malformed input.
func fields(msg string, b []byte, f func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%s: bad field tag: %v", msg, protowire.ParseError(n))
		}
		b = b[n:]
		var (
			v []byte
			x uint64
		)
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var y uint32
			y, n = protowire.ConsumeFixed32(b)
			x = uint64(y)
		case protowire.Fixed64Type:
			x, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errField(msg, num, protowire.ParseError(n))
		}
		b = b[n:]
		if err := f(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// UnmarshalEvent decodes a serialized tensorboard.Event. Unknown fields
// and fields of an unexpected wire type are skipped, as protobuf parsers
// do; malformed encodings are errors.
func UnmarshalEvent(b []byte) (Event, error) {
	var ev Event
	err := fields("Event", b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == eventWallTime && typ == protowire.Fixed64Type:
			ev.WallTime = math.Float64frombits(x)
		case num == eventStep && typ == protowire.VarintType:
			ev.Step = int64(x)
		case num == eventFileVersion && typ == protowire.BytesType:
			ev.FileVersion = string(v)
		case num == eventSummary && typ == protowire.BytesType:
			return appendSummary(&ev.Values, v)
		}
		return nil
	})
	return ev, err
}

func appendSummary(dst *[]Value, b []byte) error {
	return fields("Summary", b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		if num != summaryValue || typ != protowire.BytesType {
			return nil
		}
		val, err := unmarshalValue(v)
		if err != nil {
			return err
		}
		*dst = append(*dst, val)
		return nil
	})
}

func unmarshalValue(b []byte) (Value, error) {
	val := Value{X: math.NaN()}
	err := fields("Summary.Value", b, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
		switch {
		case num == valueTag && typ == protowire.BytesType:
			val.Tag = string(v)
		case num == valueSimpleValue && typ == protowire.Fixed32Type:
			val.Scalar, val.X = true, float64(math.Float32frombits(uint32(x)))
		case num == valueTensor && typ == protowire.BytesType:
			s, ok, err := tensorScalar(v)
			if err != nil {
				return err
			}
			val.Scalar, val.X = ok, s
			if !ok {
				val.X = math.NaN()
			}
		case num == valueImage || num == valueHisto || num == valueAudio:
			val.Scalar, val.X = false, math.NaN()
		}
		return nil
	})
	return val, err
}

// tensorScalar returns the value of a TensorProto holding one float or
// double, and ok false for any other tensor.
func tensorScalar(b []byte) (x float64, ok bool, err error) {
	var (
		dtype   uint64
		elems   int64 = 1 // a rank-0 shape has one element
		unknown bool
		vals    []float64
		content []byte
	)
	err = fields("TensorProto", b, func(num protowire.Number, typ protowire.Type, v []byte, u uint64) error {
		switch {
		case num == tensorDtype && typ == protowire.VarintType:
			dtype = u
		case num == tensorShape && typ == protowire.BytesType:
			n, unk, err := shapeElements(v)
			if err != nil {
				return err
			}
			elems, unknown = n, unk
		case num == tensorContent && typ == protowire.BytesType:
			content = v
		case num == tensorFloatVal && typ == protowire.BytesType: // packed
			if len(v)%4 != 0 {
				return fmt.Errorf("TensorProto float_val: %d bytes, not a multiple of 4", len(v))
			}
			for ; len(v) > 0; v = v[4:] {
				vals = append(vals, float64(math.Float32frombits(binary.LittleEndian.Uint32(v))))
			}
		case num == tensorFloatVal && typ == protowire.Fixed32Type: // unpacked
			vals = append(vals, float64(math.Float32frombits(uint32(u))))
		case num == tensorDoubleVal && typ == protowire.BytesType:
			if len(v)%8 != 0 {
				return fmt.Errorf("TensorProto double_val: %d bytes, not a multiple of 8", len(v))
			}
			for ; len(v) > 0; v = v[8:] {
				vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(v)))
			}
		case num == tensorDoubleVal && typ == protowire.Fixed64Type:
			vals = append(vals, math.Float64frombits(u))
		}
		return nil
	})
	if err != nil || unknown || elems != 1 || (dtype != dtFloat && dtype != dtDouble) {
		return math.NaN(), false, err
	}
	if content != nil {
		switch {
		case dtype == dtFloat && len(content) == 4:
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(content))), true, nil
		case dtype == dtDouble && len(content) == 8:
			return math.Float64frombits(binary.LittleEndian.Uint64(content)), true, nil
		}
		return math.NaN(), false, fmt.Errorf("TensorProto: tensor_content of %d bytes for one element of dtype %d", len(content), dtype)
	}
	// Version 0 tensors may hold one value to fill the shape; a scalar
	// holds exactly one.
	if len(vals) != 1 {
		return math.NaN(), false, nil
	}
	return vals[0], true, nil
}

// shapeElements returns the number of elements of a TensorShapeProto.
func shapeElements(b []byte) (n int64, unknown bool, err error) {
	n = 1
	dims := 0
	err = fields("TensorShapeProto", b, func(num protowire.Number, typ protowire.Type, v []byte, u uint64) error {
		switch {
		case num == shapeUnknownRank && typ == protowire.VarintType:
			unknown = u != 0
		case num == shapeDim && typ == protowire.BytesType:
			dims++
			if dims > maxDims {
				return errors.New("TensorShapeProto: more than 64 dimensions")
			}
			size := int64(0)
			if err := fields("TensorShapeProto.Dim", v, func(num protowire.Number, typ protowire.Type, _ []byte, u uint64) error {
				if num == dimSize && typ == protowire.VarintType {
					size = int64(u)
				}
				return nil
			}); err != nil {
				return err
			}
			if size < 0 {
				unknown = true
				return nil
			}
			// Only whether the product is 1 matters: saturate at 2.
			if size != 1 {
				if size == 0 {
					n = 0
				} else if n != 0 {
					n = 2
				}
			}
		}
		return nil
	})
	return n, unknown, err
}

// AppendEvent appends the serialized tensorboard.Event ev to b. Scalar
// values are written as simple_value (a float32; NaN and infinities are
// kept); values with Scalar false are skipped.
func AppendEvent(b []byte, ev Event) []byte {
	b = protowire.AppendTag(b, eventWallTime, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(ev.WallTime))
	if ev.Step != 0 {
		b = protowire.AppendTag(b, eventStep, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ev.Step))
	}
	if ev.FileVersion != "" {
		b = protowire.AppendTag(b, eventFileVersion, protowire.BytesType)
		b = protowire.AppendString(b, ev.FileVersion)
		return b
	}
	if len(ev.Values) == 0 {
		return b
	}
	var sum []byte
	for _, v := range ev.Values {
		if !v.Scalar {
			continue
		}
		var val []byte
		val = protowire.AppendTag(val, valueTag, protowire.BytesType)
		val = protowire.AppendString(val, v.Tag)
		val = protowire.AppendTag(val, valueSimpleValue, protowire.Fixed32Type)
		val = protowire.AppendFixed32(val, math.Float32bits(float32(v.X)))
		sum = protowire.AppendTag(sum, summaryValue, protowire.BytesType)
		sum = protowire.AppendBytes(sum, val)
	}
	b = protowire.AppendTag(b, eventSummary, protowire.BytesType)
	return protowire.AppendBytes(b, sum)
}
