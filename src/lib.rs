//! smcplan: plans and submits Alibaba Cloud SMC migration jobs in bulk.

pub mod account;
pub mod api;
pub mod check;
pub mod cli;
pub mod commands;
pub mod conflicts;
pub mod diagnostics;
pub mod emulator;
pub mod fuzzing;
pub mod inventory;
pub mod journal;
pub mod plan;
pub mod report;
pub mod request;
pub mod snapshot;
pub mod submit;
pub mod template;
pub mod text;
pub mod validate;
