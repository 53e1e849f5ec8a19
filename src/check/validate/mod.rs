//! Row rules: pure functions from one inventory row to its findings, one file per rule family.

mod account;
mod disks;
pub mod ids;
mod incremental;
mod lists;
mod names;
mod network;
mod object;
mod options;
mod replication;
pub mod schedule;
mod tags;
mod target;
pub mod values;

#[cfg(test)]
pub(crate) mod testing;

use crate::account::AccountIndex;
use crate::diagnostics::{Code, Column, Diagnostic};
use crate::inventory::Row;
use jiff::Timestamp;

/// What the row rules may look at besides the row.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// "Now" and its limits for the schedule rules (injectable so that checks are reproducible).
    pub window: schedule::Window,
    /// The account state, when one was given.
    pub account: Option<&'a AccountIndex>,
}

impl<'a> Context<'a> {
    pub fn new(now: Timestamp, account: Option<&'a AccountIndex>) -> Context<'a> {
        Context { window: schedule::Window::new(now), account }
    }
}

/// Runs every row rule; findings are appended in a fixed order.
pub fn check_row(row: &Row, ctx: &Context, out: &mut Vec<Diagnostic>) {
    values::check(row, out);
    ids::check(row, out);
    names::check(row, out);
    target::check(row, out);
    disks::check(row, out);
    tags::check(row, out);
    lists::check(row, out);
    network::check(row, out);
    incremental::check(row, out);
    schedule::check(row, &ctx.window, out);
    replication::check(row, out);
    options::check(row, out);
    if let Some(account) = ctx.account {
        account::check(row, account, out);
    }
}

/// Shorthand for a finding on this row.
fn diag(row: &Row, column: Column, code: Code, message: impl Into<crate::diagnostics::Message>) -> Diagnostic {
    Diagnostic::new(row.line, column, code, message)
}

/// The API's target types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetType {
    Image,
    ContainerImage,
    TargetInstance,
}

impl TargetType {
    pub const ALL: [TargetType; 3] = [TargetType::Image, TargetType::ContainerImage, TargetType::TargetInstance];

    /// The API's name.
    pub fn name(self) -> &'static str {
        match self {
            TargetType::Image => "Image",
            TargetType::ContainerImage => "ContainerImage",
            TargetType::TargetInstance => "TargetInstance",
        }
    }

    /// The target type named exactly `text`.
    pub fn parse(text: &str) -> Option<TargetType> {
        TargetType::ALL.into_iter().find(|t| t.name() == text)
    }
}

impl std::fmt::Display for TargetType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The target type a row asks for, with the API's example default (Image) when unset.
pub fn effective_target(row: &Row) -> Option<TargetType> {
    match row.text(crate::inventory::Param::TargetType) {
        None => Some(TargetType::Image),
        Some(t) => TargetType::parse(t),
    }
}
