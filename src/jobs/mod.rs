//! The job lifecycle: what a command may do to each job of a batch from its state, which
//! jobs a command chooses, and the jobs' states as the API has them now.

pub mod act;
pub mod choose;
pub mod plan;
pub mod reconcile;
pub mod states;
