//! `init --join FILE --on KEY`: a CMDB export merged into a draft. Each CMDB row is matched
//! to a source server by hostname, IPv4 address or SMC name (trimmed, any letter case; a
//! hostname also by its short form when that is unique); an ambiguous match is never
//! guessed. The matched rows' API columns fill the draft's cells; their other columns are
//! kept as the user's own.

use super::{Draft, DraftRow};
use crate::account::{AccountIndex, SourceServer};
use crate::inventory::schema::{ColumnKind, canonical_spelling, classify};
use crate::inventory::table::Table;
use crate::text::OneLine;
use std::collections::BTreeMap;

/// What a CMDB row is matched by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Key {
    /// The hostname in the source's SystemInfo.
    Hostname,
    /// An IPv4 address in the source's SystemInfo.
    Ip,
    /// The source's name in SMC.
    Name,
}

impl Key {
    /// Header names that hold this key (compared squeezed, any letter case).
    fn columns(self) -> &'static [&'static str] {
        match self {
            Key::Hostname => &["hostname", "host", "fqdn"],
            Key::Ip => &["ip", "ipaddress", "ipv4", "ipv4address"],
            Key::Name => &["name", "servername"],
        }
    }

    fn name(self) -> &'static str {
        match self {
            Key::Hostname => "hostname",
            Key::Ip => "ip",
            Key::Name => "name",
        }
    }
}

/// Where one CMDB row ended up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matched {
    /// It filled the row of this source server.
    One { source_id: String },
    /// No server has its key.
    NotFound,
    /// Its key cell is empty.
    NoKey,
    /// It matches this server, which has no row in the draft (see its `#` line).
    NoRow { source_id: String },
    /// Its key fits several servers, or another CMDB row matches its server too.
    Ambiguous { source_ids: Vec<String> },
}

/// How a join went: each CMDB row (its line, key and outcome), and the servers of the draft
/// that no CMDB row matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Joined {
    pub rows: Vec<(u64, String, Matched)>,
    pub unmatched: Vec<String>,
    /// Columns of the file not joined: they name what the draft takes from the account.
    pub skipped: Vec<String>,
    /// Names the file gave that the API's rule or the draft's uniqueness rewrote:
    /// (line, column, given, written).
    pub renamed: Vec<(u64, String, String, String)>,
}

/// Columns the draft takes from the account and the command line, never from a join.
const IDENTITY: &[&str] = &["SourceId", "RegionId"];

impl Joined {
    pub fn count(&self, f: impl Fn(&Matched) -> bool) -> usize {
        self.rows.iter().filter(|(_, _, m)| f(m)).count()
    }
}

fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '_' | '-')).collect::<String>().to_lowercase()
}

fn normal(s: &str) -> String {
    s.trim().to_lowercase()
}

fn short(host: &str) -> &str {
    host.split('.').next().unwrap_or(host)
}

/// The keys a CMDB cell holds: one, or for `ip` every address of a list (`10.0.0.1, 10.0.0.2`).
fn cell_keys(cell: &str, key: Key) -> Vec<String> {
    let keys: Vec<String> = match key {
        Key::Ip => cell.split([',', ';', ' ', '\t', '\n', '/']).map(normal).collect(),
        _ => vec![normal(cell)],
    };
    keys.into_iter().filter(|k| !k.is_empty()).collect()
}

/// The source's SystemInfo (a JSON object, or a string of one, as the API gives it).
fn system_info(s: &SourceServer) -> serde_json::Map<String, serde_json::Value> {
    match s.extra.get("SystemInfo") {
        Some(serde_json::Value::Object(o)) => o.clone(),
        Some(serde_json::Value::String(text)) => serde_json::from_str(text).unwrap_or_default(),
        _ => serde_json::Map::new(),
    }
}

/// The keys a server is known by.
pub fn keys_of(s: &SourceServer, key: Key) -> Vec<String> {
    match key {
        Key::Name => vec![normal(&s.name)],
        Key::Hostname => {
            let info = system_info(s);
            info.get("hostname").and_then(|h| h.as_str()).map(normal).into_iter().collect()
        }
        Key::Ip => {
            let info = system_info(s);
            let mut ips = Vec::new();
            for field in ["ipv4", "ip", "ipv4s", "ips"] {
                match info.get(field) {
                    Some(serde_json::Value::String(text)) => {
                        ips.extend(text.split([',', ';', ' ']).map(normal).filter(|i| !i.is_empty()))
                    }
                    Some(serde_json::Value::Array(items)) => {
                        ips.extend(items.iter().filter_map(|i| i.as_str()).map(normal).filter(|i| !i.is_empty()))
                    }
                    _ => {}
                }
            }
            ips
        }
    }
    .into_iter()
    .filter(|k| !k.is_empty())
    .collect()
}

/// The API's name of a CMDB column, if it names an API parameter.
fn api_column(name: &str) -> Option<String> {
    if classify(name) != ColumnKind::Unknown {
        return Some(name.to_string());
    }
    canonical_spelling(name)
}

/// What is wrong with a table that cannot be joined.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error(
        "no {} column to join on (--on {}; looked for {}); its columns are: {}",
        .key.name(), .key.name(), .key.columns().join(", "), .header.join(", ")
    )]
    NoKeyColumn { key: Key, header: Vec<String> },
    /// Two columns (index from 0, name) that mean the same parameter.
    #[error(
        "columns {} and {} are both {target} (columns {} and {}); keep one",
        OneLine(&.first.1), OneLine(&.second.1), .first.0 + 1, .second.0 + 1
    )]
    TwoColumns { first: (usize, String), second: (usize, String), target: String },
}

/// Merges `table` into `draft` by `key`. `Err` names what is wrong with the table.
pub fn join(draft: &mut Draft, account: &AccountIndex, table: &Table, key: Key) -> Result<Joined, JoinError> {
    let key_col = table
        .header
        .iter()
        .position(|h| key.columns().contains(&squeeze(h).as_str()))
        .ok_or_else(|| JoinError::NoKeyColumn { key, header: table.header.clone() })?;
    // The servers of the draft, by each key they are known by; hostnames also by their
    // short form (all of them), and the unqualified ones apart.
    // Every server of the account, those without a row too: a key two servers share is
    // ambiguous even when only one of them can take a job.
    let mut seen_ids = std::collections::BTreeSet::new();
    let servers: Vec<&SourceServer> =
        account.state.source_servers.iter().filter(|s| seen_ids.insert(s.source_id.as_str())).collect();
    let mut full: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut shorts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let add = |map: &mut BTreeMap<String, Vec<usize>>, k: &str, i: usize| {
        let list = map.entry(k.to_string()).or_default();
        if !list.contains(&i) {
            list.push(i);
        }
    };
    for (i, s) in servers.iter().enumerate() {
        for k in keys_of(s, key) {
            if key == Key::Hostname {
                add(&mut shorts, short(&k), i);
            }
            add(&mut full, &k, i);
        }
    }
    let mut found: Vec<(u64, String, Result<usize, Vec<usize>>)> = Vec::new();
    for (line, cells) in &table.rows {
        let cell = cells.get(key_col).map_or("", String::as_str);
        let mut candidates: Vec<usize> = Vec::new();
        for k in cell_keys(cell, key) {
            let mut these = full.get(&k).cloned().unwrap_or_default();
            // A short form matches only where one side is unqualified: `db01` matches
            // `db01.corp.example`, and `db01.corp.example` matches `DB01`, but
            // `db01.other.example` does not match `db01.corp.example`.
            if these.is_empty() && key == Key::Hostname {
                these = match k.contains('.') {
                    false => shorts.get(&k).cloned().unwrap_or_default(),
                    true => full.get(short(&k)).cloned().unwrap_or_default(),
                };
            }
            these.into_iter().for_each(|i| {
                if !candidates.contains(&i) {
                    candidates.push(i)
                }
            });
        }
        candidates.sort_unstable();
        let outcome = match candidates.as_slice() {
            [one] => Ok(*one),
            more => Err(more.to_vec()),
        };
        found.push((*line, cell.to_string(), outcome));
    }
    // A server that two CMDB rows match is matched by neither.
    let mut per_server: BTreeMap<usize, usize> = BTreeMap::new();
    for (_, _, o) in &found {
        if let Ok(i) = o {
            *per_server.entry(*i).or_default() += 1;
        }
    }
    // The columns the matched rows bring: API ones fill the draft's, others are the user's.
    // The source and the region are the draft's, from the account: never joined.
    let mut columns: Vec<(usize, String)> = Vec::new();
    let mut joined = Joined::default();
    for (c, name) in table.header.iter().enumerate() {
        if c == key_col || name.trim().is_empty() {
            continue;
        }
        let target = api_column(name).unwrap_or_else(|| name.clone());
        if IDENTITY.contains(&target.as_str()) {
            joined.skipped.push(name.clone());
            continue;
        }
        if let Some((first, _)) = columns.iter().find(|(_, t)| *t == target) {
            return Err(JoinError::TwoColumns {
                first: (*first, table.header[*first].clone()),
                second: (c, name.clone()),
                target,
            });
        }
        if !draft.header.contains(&target) {
            draft.header.push(target.clone());
        }
        columns.push((c, target));
    }
    for r in draft.rows.iter_mut() {
        r.cells.resize(draft.header.len(), String::new());
    }
    let row_of: BTreeMap<String, usize> =
        draft.rows.iter().enumerate().map(|(i, r)| (r.source_id.clone(), i)).collect::<BTreeMap<_, _>>();
    let mut matched_servers = std::collections::BTreeSet::new();
    let mut fills: Vec<(usize, usize, u64, String)> = Vec::new();
    for (n, (line, key_text, outcome)) in found.iter().enumerate() {
        let ids = |is: &[usize]| is.iter().map(|i| servers[*i].source_id.clone()).collect::<Vec<_>>();
        let matched = match outcome {
            Ok(i) if per_server[i] == 1 && !row_of.contains_key(&servers[*i].source_id) => {
                Matched::NoRow { source_id: servers[*i].source_id.clone() }
            }
            Ok(i) if per_server[i] == 1 => {
                let row = row_of[&servers[*i].source_id];
                let cells = &table.rows[n].1;
                for (c, target) in &columns {
                    let value = cells.get(*c).map_or("", String::as_str);
                    if !value.trim().is_empty() {
                        let col = draft.header.iter().position(|h| h == target).expect("added above");
                        fills.push((row, col, *line, value.to_string()));
                    }
                }
                matched_servers.insert(*i);
                Matched::One { source_id: servers[*i].source_id.clone() }
            }
            Ok(i) => Matched::Ambiguous { source_ids: ids(&[*i]) },
            Err(_) if key_text.trim().is_empty() => Matched::NoKey,
            Err(is) if is.is_empty() => Matched::NotFound,
            Err(is) => Matched::Ambiguous { source_ids: ids(is) },
        };
        joined.rows.push((*line, key_text.clone(), matched));
    }
    for (row, col, line, value) in fills {
        let column = &draft.header[col];
        let value = match column.as_str() {
            "Name" | "ImageName" => {
                let written = unique_in(draft, row, col, &super::names::valid_name(&value));
                if written != value {
                    joined.renamed.push((line, column.clone(), value, written.clone()));
                }
                written
            }
            _ => value,
        };
        draft.rows[row].cells[col] = value;
    }
    // A server that only an ambiguous row names is said there, not again as unmatched.
    let named: std::collections::BTreeSet<usize> =
        found.iter().filter_map(|(_, _, o)| o.as_ref().err()).flatten().copied().collect();
    joined.unmatched = (0..servers.len())
        .filter(|i| row_of.contains_key(&servers[*i].source_id))
        .filter(|i| !matched_servers.contains(i) && !per_server.contains_key(i) && !named.contains(i))
        .map(|i| servers[i].source_id.clone())
        .collect();
    Ok(joined)
}

/// `name` for row `row` of column `col`, made unique against that column's other rows
/// (and, for Name, the account's jobs, which the draft's names already avoid).
fn unique_in(draft: &Draft, row: usize, col: usize, name: &str) -> String {
    let mut taken: std::collections::BTreeSet<String> = draft
        .rows
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != row)
        .map(|(_, r)| r.cells[col].clone())
        .chain(draft.taken.get(&draft.header[col]).into_iter().flatten().cloned())
        .collect();
    super::names::unique(name, &mut taken)
}

/// The row of `draft` for `source_id`.
pub fn row<'a>(draft: &'a Draft, source_id: &str) -> Option<&'a DraftRow> {
    draft.rows.iter().find(|r| r.source_id == source_id)
}

#[cfg(test)]
mod tests;
