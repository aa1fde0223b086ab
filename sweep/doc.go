// Package sweep runs parameter sweeps: a Plan numbers the points of a
// log-spaced ELR grid times one second parameter times seeds on top of an
// opaque base configuration; a Shard selects a fair share of the points
// (from flags or, on a cluster, from the Slurm array or Kubernetes indexed
// job environment, ShardFromEnv); RunShard runs a shard's points with a
// caller's Runner, writing each point's result atomically to its own file
// so that a killed shard resumes where it stopped; Merge collects the
// results of every shard, refusing to mix plans, and PointResult.Record
// flattens one into a sweep result record.
//
// Package sweep imports internal/fileio, internal/memguard and
// internal/progress only; it knows nothing of toys, networks or figures
// (their point runners live with them).
package sweep
