package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair: what is written to tty is read from
// pt, and tty is a terminal as a user's shell would give a command.
func openPTY() (pt, tty *os.File, err error) {
	pt, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var unlock int32
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, pt.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		pt.Close()
		return nil, nil, e
	}
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, pt.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		pt.Close()
		return nil, nil, e
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		pt.Close()
		return nil, nil, err
	}
	return pt, tty, nil
}

// TestTrainProgressTerminal runs train with stderr on a real terminal (a
// pseudo-terminal): the progress is one live line, redrawn in place with
// carriage returns and erase-to-end-of-line, that shows the phase of the
// epoch (its evaluation passes too) with the elapsed time and an ETA, and
// ends with a single newline.
func TestTrainProgressTerminal(t *testing.T) {
	pt, tty, err := openPTY()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer pt.Close()
	var got bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&got, pt) // until the terminal side is closed (EIO)
		close(read)
	}()
	dir := filepath.Join(t.TempDir(), "run")
	var out bytes.Buffer
	oldOut, oldErr := stdout, stderr
	stdout, stderr = &out, tty
	code := run(tinyTrain(dir, "3"))
	stdout, stderr = oldOut, oldErr
	tty.Close()
	<-read
	s := strings.ReplaceAll(got.String(), "\r\n", "\n") // the terminal's output processing
	if code != 0 {
		t.Fatalf("exit %d: %q", code, s)
	}
	if strings.Count(s, "\n") != 1 || !strings.HasSuffix(s, "\x1b[K\n") {
		t.Errorf("terminal output %q: want one live line ended by one newline", s)
	}
	draws := strings.Split(strings.TrimSuffix(s, "\n"), "\r")[1:]
	var evaluating bool
	for _, d := range draws {
		if !strings.HasPrefix(d, "train: epoch ") || !strings.HasSuffix(d, "\x1b[K") || !strings.Contains(d, ", elapsed ") || !strings.Contains(d, ", ETA ") {
			t.Errorf("draw %q: want the live line with elapsed time and ETA", d)
		}
		evaluating = evaluating || strings.Contains(d, "evaluating")
	}
	if len(draws) < 3 || !evaluating || !strings.HasPrefix(draws[len(draws)-1], "train: epoch 3/3 (100%)") {
		t.Errorf("%d draws, an evaluation phase shown: %v, last %q", len(draws), evaluating, draws[len(draws)-1])
	}
}
