//! smcplan: plans and submits Alibaba Cloud SMC migration jobs in bulk.

pub mod account;
pub mod api;
pub mod check;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod emulator;
pub mod engine;
pub mod files;
pub mod fuzzing;
pub mod inventory;
pub mod plan;
pub mod template;
pub mod text;
pub mod time;
