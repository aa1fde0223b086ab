//go:build !unix

package fileio

// isUnsupported reports true: outside Unix, syncing a folder is not
// generally possible, and the rename is all there is.
func isUnsupported(err error) bool { return true }
