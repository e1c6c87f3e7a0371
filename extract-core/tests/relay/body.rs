//! Bodies: frames in order, `done` with the last snapshot, `error` with
//! the partial kept, the upstream dropped when the body ends or is dropped.
