//! The operations: each command's work, from typed options to data (an outcome and its
//! summary), as cargo has them. The commands parse flags, ask, call one and print.

pub mod act;
pub mod apply;
pub mod init;
pub mod reconcile;
pub mod report;
pub mod saved;
pub mod schedule;
pub mod scope;
pub mod send;
pub mod status;
pub mod submit;
pub mod summary;
pub mod waits;
