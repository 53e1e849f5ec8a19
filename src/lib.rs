//! smcplan: plans, submits and follows Alibaba Cloud SMC migration jobs in bulk.
//!
//! ```text
//! account ──init (+ CMDB join)──▶ draft inventory ──schedule──▶ waves (ScheduledStartTime)
//! inventory ──inventory──▶ rows ──check──▶ findings ──plan──▶ prepared requests (or, with a
//!      batch, each row's change: create, update, replace, recreate)
//! prepared requests ──ops (through engine)──▶ journal + report DIR ◀──▶ api ◀──▶ SMC (or the emulator)
//! report DIR ──ops: status, start, stop, cutover, delete (jobs decide, engine sends)──▶ journal
//! journal ──batch::story──▶ each job's history and results ──batch::page──▶ report.html, .md
//! ```
//!
//! - [`inventory`]: reads the CSV (header, pieces of whole lines, records, typed cells), a
//!   workbook's sheet as CSV, and any other table (a CMDB export).
//! - [`check`]: the row rules in parallel ([`check::validate`], one file per family), then
//!   the batch and account conflicts in file order ([`check::conflicts`]).
//! - [`plan`]: each row's request and ClientToken, the waves' schedule and the one
//!   estimator of how long a migration takes.
//! - [`batch`]: the report directory: lock, journal (intents, outcomes, job actions, runs,
//!   every state seen), the report and `failed.csv`, each row's story and the pages drawn
//!   from it.
//! - [`jobs`]: what a command may do to each job from its state, which jobs it chooses,
//!   the difference between an inventory and the batch's jobs; [`jobstate`] the API's
//!   job state machine, [`jobchange`] which parameters change in place and when.
//! - [`engine`]: sends prepared calls through the limiter, with retries, the breaker, the
//!   journal and signals.
//! - [`ops`]: each command's work, from typed options to data (as cargo has them).
//! - [`api`]: signed HTTP calls to SMC and VPC, the credential chain, endpoints, errors.
//! - [`account`]: the account state file, and the snapshot that fetches it.
//! - [`print`]: the printers (findings, plans, the live view, explain, man pages), to any `Write`.
//! - [`commands`]: one file per command, from parsed arguments ([`cli`]) to one op and its
//!   printing; [`init`] drafts an inventory; [`emulator`] is a local SMC endpoint.
//!
//! Shared helpers: [`diagnostics`] (findings as data), [`files`] (atomic writes), [`time`]
//! (the API's time format), [`text`] (user text in messages and pages), [`template`],
//! [`fuzzing`] (every offline stage in memory, for the fuzz target and the mutation tests).
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
pub mod jobchange;
pub mod jobs;
pub mod jobstate;
pub mod ops;
pub mod plan;
pub mod print;
pub mod template;
pub mod text;
pub mod time;
