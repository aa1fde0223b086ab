// Package fileio writes the project's result files: one atomic writer
// (WriteFile: temporary file in the same folder, fsync, rename, fsync of
// the folder), JSON Lines (WriteJSONL), flat CSV of nested records
// (WriteFlatCSV), and the one rule for numbers JSON cannot hold: NaN and
// ±Inf are written as null and null is read back as NaN (MarshalFinite,
// UnmarshalFinite, Finite).
//
// Package fileio imports only the standard library.
package fileio
