#!/usr/bin/python3
"""Writes and reads TensorBoard event files with the protobuf runtime.

No real TensorBoard writer is installable on this machine (Debian has no
python3-tensorboard, PyPI is unreachable, torch.utils.tensorboard imports
the tensorboard package, and the npm and Go registries hold no maintained
writer whose files TensorBoard is known to read). This script is the most
faithful stand-in: the messages are compiled by Debian's protoc from
tb_subset.proto (TensorBoard's own message and field numbers), serialized
by Debian's python3-protobuf, and framed as TensorFlow's record_writer
frames them (length, masked CRC-32C of the length, data, masked CRC-32C of
the data). The events are built the way the real writers build them:
torch.utils.tensorboard's add_scalar (simple_value), tf.summary.scalar
(a rank-0 DT_FLOAT tensor with float_val and the "scalars" plugin), numpy
tensors (tensor_content), a double tensor, a histogram that a reader of
scalars skips, and a NaN.

    tb_fixture.py write DIR     write DIR/events.out.tfevents.1700000000.fixture
                                and DIR/fixture.json (the scalars it holds)
    tb_fixture.py read PATH     print the scalars of an event file as JSON
                                lines [tag, step, value] (value null for NaN),
                                checking both CRCs of every record and that
                                each record is the protobuf encoding of the
                                Event it parses to

Requires: apt-get install protobuf-compiler python3-protobuf.
"""
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_pb2():
    out = tempfile.mkdtemp(prefix="tbproto")
    subprocess.run(["protoc", "-I", HERE, "--python_out", out, "tb_subset.proto"], check=True)
    sys.path.insert(0, out)
    import tb_subset_pb2
    return tb_subset_pb2


def _crc_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def frame(data):
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked(header)) + data + struct.pack("<I", masked(data))


def records(f):
    i = 0
    while True:
        header = f.read(8)
        if not header:
            return
        if len(header) < 8:
            raise ValueError("record %d: truncated length" % i)
        (crc,) = struct.unpack("<I", f.read(4))
        if crc != masked(header):
            raise ValueError("record %d: length CRC mismatch" % i)
        (n,) = struct.unpack("<Q", header)
        data = f.read(n)
        (crc,) = struct.unpack("<I", f.read(4))
        if len(data) < n or crc != masked(data):
            raise ValueError("record %d: data CRC mismatch or truncated" % i)
        yield data
        i += 1


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def write(out):
    pb = load_pb2()
    os.makedirs(out, exist_ok=True)
    t0 = 1700000000.0
    events, expect = [], []
    events.append(pb.Event(wall_time=t0, file_version="brain.Event:2"))
    for step in range(6):
        wall = t0 + 1.5 * step
        loss = 2.302585 * math.exp(-0.3 * step)
        # torch.utils.tensorboard SummaryWriter.add_scalar: one event a scalar.
        v = pb.Summary.Value(tag="train/loss", simple_value=loss)
        events.append(pb.Event(wall_time=wall, step=step, summary=pb.Summary(value=[v])))
        expect.append(["train/loss", step, f32(loss)])
        if step == 0:
            continue  # like an epoch-0 record without gradients
        # tf.summary.scalar: a rank-0 float tensor with the scalars plugin.
        g = 0.5 / step
        meta = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(plugin_name="scalars"), data_class=1)
        v = pb.Summary.Value(tag="grad_norm", metadata=meta,
                             tensor=pb.TensorProto(dtype=pb.DT_FLOAT, tensor_shape=pb.TensorShapeProto(), float_val=[g]))
        # a numpy float32 scalar as make_tensor_proto writes it: tensor_content.
        a = 1.5 + 0.01 * step
        v2 = pb.Summary.Value(tag="angle", tensor=pb.TensorProto(dtype=pb.DT_FLOAT, tensor_shape=pb.TensorShapeProto(),
                                                                  tensor_content=struct.pack("<f", a)))
        # a double, in a shape of one element.
        lr = 1e-3 * step
        v3 = pb.Summary.Value(tag="lr", tensor=pb.TensorProto(
            dtype=pb.DT_DOUBLE, tensor_shape=pb.TensorShapeProto(dim=[pb.TensorShapeProto.Dim(size=1)]), double_val=[lr]))
        # a histogram, which a reader of scalars skips.
        h = pb.Summary.Value(tag="weights", histo=pb.HistogramProto(min=0, max=1, num=2, sum=1, sum_squares=1,
                                                                    bucket_limit=[0.5, 1.0], bucket=[1, 1]))
        events.append(pb.Event(wall_time=wall + 0.1, step=step, summary=pb.Summary(value=[v, v2, v3, h])))
        expect += [["grad_norm", step, f32(g)], ["angle", step, f32(a)], ["lr", step, lr]]
    # a diverged value
    v = pb.Summary.Value(tag="train/loss", simple_value=float("nan"))
    events.append(pb.Event(wall_time=t0 + 10, step=6, summary=pb.Summary(value=[v])))
    expect.append(["train/loss", 6, None])
    with open(os.path.join(out, "events.out.tfevents.1700000000.fixture"), "wb") as f:
        for ev in events:
            f.write(frame(ev.SerializeToString()))
    with open(os.path.join(out, "fixture.json"), "w") as f:
        for e in expect:
            f.write(json.dumps(e) + "\n")


def tensor_scalar(pb, t):
    if t.dtype not in (pb.DT_FLOAT, pb.DT_DOUBLE):
        return None
    n = 1
    for d in t.tensor_shape.dim:
        n *= d.size
    if n != 1:
        return None
    if t.tensor_content:
        fmt = "<f" if t.dtype == pb.DT_FLOAT else "<d"
        return struct.unpack(fmt, t.tensor_content)[0]
    vals = list(t.float_val) if t.dtype == pb.DT_FLOAT else list(t.double_val)
    return vals[0] if len(vals) == 1 else None


def read(path):
    pb = load_pb2()
    names = [path]
    if os.path.isdir(path):
        names = sorted(os.path.join(path, n) for n in os.listdir(path) if "tfevents" in n)
    for name in names:
        with open(name, "rb") as f:
            for data in records(f):
                ev = pb.Event.FromString(data)
                # Every byte is a field TensorBoard's messages define, in
                # protobuf's own encoding: re-serializing gives the record.
                if ev.SerializeToString() != data:
                    raise ValueError("%s: a record is not the protobuf encoding of its Event" % name)
                if ev.WhichOneof("what") != "summary":
                    continue
                for v in ev.summary.value:
                    kind = v.WhichOneof("value")
                    x = None
                    if kind == "simple_value":
                        x = v.simple_value
                    elif kind == "tensor":
                        x = tensor_scalar(pb, v.tensor)
                    if kind == "simple_value" or x is not None:
                        print(json.dumps([v.tag, ev.step, None if x is None or math.isnan(x) else x]))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "read"):
        sys.exit(__doc__)
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
