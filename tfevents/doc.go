// Package tfevents reads and writes TensorBoard event files, the logs that
// TensorFlow's and PyTorch's summary writers leave in a run's folder under
// names containing "tfevents".
//
// An event file is a sequence of records in TensorFlow's record format
// (tensorflow/core/lib/io/record_writer.cc): each record is
//
//	uint64  length of the data, little endian
//	uint32  masked CRC-32C of those 8 length bytes
//	byte    data[length]
//	uint32  masked CRC-32C of the data
//
// where the masked CRC of a Castagnoli CRC-32 c is ((c >> 15) | (c << 17)) +
// 0xa282ead8. Each record's data is one serialized tensorboard.Event
// protocol buffer (tensorboard/compat/proto/event.proto): wall_time (1,
// double), step (2, int64) and one of file_version (3, string) or summary
// (5, Summary). A Summary (summary.proto) holds repeated Value (1), each with
// a tag (1, string) and a simple_value (2, float) or a tensor (8,
// TensorProto). The first event of a file carries file_version
// "brain.Event:2".
//
// Reader decodes the scalars of both conventions TensorBoard shows: the
// classic simple_value that PyTorch's SummaryWriter.add_scalar writes, and
// the rank-0 tensor of dtype DT_FLOAT (1) or DT_DOUBLE (2) that TensorFlow 2's
// tf.summary.scalar writes, from float_val (5), double_val (6) or the raw
// little-endian tensor_content (4) (tensor.proto, types.proto). Other summary
// values (images, histograms, text) are reported with Scalar false and
// otherwise skipped. Writer writes scalars as simple_value, which every
// TensorBoard version shows.
//
// The protocol buffers are decoded with google.golang.org/protobuf's
// encoding/protowire, so that no generated code is needed; unknown fields are
// skipped as the protobuf rules require.
//
// Package tfevents imports none of the toolkit's packages.
package tfevents
