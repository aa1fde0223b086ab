// Package progress reports the progress of long work on a terminal or a
// log: elapsed time, an estimate of the time left (ETA) and the current
// phase.
//
// On a terminal a Reporter keeps one live line up to date (redrawn at most
// every Interval). Elsewhere (a file, a pipe, a batch job's log) it prints
// one line per finished unit (epoch, point, stage), so that a log shows
// where a run is without filling up. A nil *Reporter reports nothing, which
// is how -quiet is implemented.
//
// The ETA assumes the remaining work goes at the average pace of the work
// done in this session: ETA = elapsed * (total - done) / (done - done
// before the session), with done counting fractions of a unit as the
// caller reports them, and units weighed by Options.Weights when given.
//
// Package progress owns the reporting only (what work is done is the
// caller's); it imports only the standard library.
package progress
