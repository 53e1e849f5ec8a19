//! Init: a draft inventory from the account, a CMDB export joined into it, and the draft
//! as the CSV text people open next.

use crate::account::AccountIndex;
use crate::init::join::{self, Joined, Key};
use crate::init::{self as draft_stage, Draft, Options};
use std::path::Path;

/// A CMDB export to join, and the key to join it on.
pub struct Join<'a> {
    pub path: &'a Path,
    pub sheet: Option<&'a str>,
    pub key: Key,
}

/// A draft, what the join matched, and the text to write.
pub struct Initialized {
    pub draft: Draft,
    /// The join's rows, each matched or not, and its notes.
    pub joined: Option<(Joined, Vec<String>)>,
    /// Cells of API columns that start like a spreadsheet formula.
    pub formulas: usize,
    pub text: Vec<u8>,
}

pub fn init(account: &AccountIndex, opts: &Options, joining: Option<Join>) -> anyhow::Result<Initialized> {
    let mut draft = draft_stage::draft(account, opts);
    let joined = match joining {
        Some(j) => {
            let table = crate::inventory::table::read(j.path, j.sheet)?;
            let shown = j.path.display();
            let joined = join::join(&mut draft, account, &table, j.key).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
            Some((joined, table.notes))
        }
        None => None,
    };
    let formulas = draft_stage::formula_cells(&draft);
    let mut text = Vec::new();
    draft_stage::write_csv(&draft, &mut text)?;
    Ok(Initialized { draft, joined, formulas, text })
}
