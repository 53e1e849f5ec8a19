//! smcplan: plans and submits Alibaba Cloud SMC migration jobs in bulk.
//!
//! ```text
//! account ──init (+ CMDB join)──▶ draft inventory
//! inventory (CSV, ; or tab, XLSX) ──inventory──▶ rows ──check──▶ findings ──plan──▶ prepared requests
//!      ──engine──▶ journal + report DIR ◀──status── api ◀──▶ SMC (or the emulator)
//! inventory ──schedule (plan::waves)──▶ ScheduledStartTime wave by wave
//! report DIR ──start / stop / cutover / delete (engine::act)──▶ job actions, journaled
//! ```
//!
//! - [`init`]: drafts an inventory from the account's source servers, and joins a CMDB export into it.
//! - [`inventory`]: reads the CSV (header, pieces of whole lines, records, typed cells), a
//!   workbook's sheet as CSV, and any other table (a CMDB export).
//! - [`check`]: the row rules in parallel ([`check::validate`]), then the batch and account
//!   conflicts in file order ([`check::conflicts`]).
//! - [`plan`]: what submit will do with each row, each row's request and ClientToken, and
//!   the waves' schedule.
//! - [`engine`]: sends prepared calls (creates, and the job actions of the lifecycle
//!   commands) through the limiter, with retries, an fsynced journal, resume, the lock and
//!   signals, and writes the report and the live view.
//! - [`api`]: signed HTTP calls to SMC and VPC, credentials, endpoints, errors.
//! - [`emulator`]: a local SMC endpoint for rehearsals and tests.
//! - [`account`]: the account state file, and the snapshot that fetches it.
//! - [`commands`]: one file per command, from parsed arguments ([`cli`]) to the stages above;
//!   [`template`] prints an inventory to start from.
//!
//! Shared helpers: [`batch`] (a row's identity and status, the same in the plan and the
//! report), [`diagnostics`] (findings as data and their printers), [`files`] (atomic writes),
//! [`time`] (the API's time format), [`text`] (user text in messages), [`fuzzing`] (every
//! offline stage in memory, for the fuzz target and the mutation tests).
#![forbid(unsafe_code)]

pub mod account;
pub mod api;
pub mod batch;
pub mod check;
pub mod cli;
pub mod commands;
pub mod diagnostics;
pub mod emulator;
pub mod engine;
pub mod files;
pub mod fuzzing;
pub mod init;
pub mod inventory;
pub mod jobs;
pub mod jobstate;
pub mod ops;
pub mod plan;
pub mod print;
pub mod template;
pub mod text;
pub mod time;
