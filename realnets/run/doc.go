// Package run keeps training runs in run folders: a folder DIR holds one
// run of realnets, as config.json (the configuration and its run
// identity), metrics.jsonl (one realnets.Record per epoch), steps.csv (the
// per-step log), sharpness.jsonl (when the run measures it), the manifest
// of internal/fileio that commits those files as one unit, and the
// checkpoints epoch-NNNNNN.ckpt (at the epochs 1, 2, 5, 10, 20, ... and
// the last) and last.ckpt.
//
// Run trains into a folder, refusing one that holds another run, and
// resumes a folder from its last intact checkpoint, bitwise. The one
// same-run rule is realnets.SameRun (the run identity, realnets.RunID):
// a folder's config.json, its checkpoints and a wanted configuration are
// compared through it only, by Run, FinishedRun and the resume.
//
// Package run owns the folder layout and the resume. It imports realnets
// (the trainer, its records and checkpoints), analysis (the regime
// classifier, for ClassifyRun), tfevents (the TensorBoard copy of the
// progress), internal/fileio and internal/progress; never toy, plots,
// sweep or experiment.
package run
