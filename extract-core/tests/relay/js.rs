//! The JavaScript client, run with `node`.
