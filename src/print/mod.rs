//! The printers: findings as human text, JSON and JSON lines, streamed as they are found;
//! and the live view of a batch's jobs. Each writes to any `Write`.

pub mod explain;
pub mod json;
pub mod live;
pub mod man;
mod ranges;
pub mod reconcile;
pub mod render;
pub mod stream;
