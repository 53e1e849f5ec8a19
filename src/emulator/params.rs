//! Typed access to a request's flat API parameters, with the API's errors for bad values.

use super::fault::Fault;

/// A request's API parameters.
pub struct Params<'a>(pub &'a [(String, String)]);

impl<'a> Params<'a> {
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    pub fn required(&self, name: &str) -> Result<&'a str, Fault> {
        self.get(name).ok_or_else(|| Fault::missing(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, Fault> {
        self.get(name)
            .map(|v| v.parse::<i64>().map_err(|_| Fault::invalid(name, format!("'{v}' is not an integer"))))
            .transpose()
    }

    /// An integer that must lie in `range` when set.
    pub fn int_in(&self, name: &str, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, Fault> {
        let v = self.int(name)?;
        match v {
            Some(n) if !range.contains(&n) => {
                Err(Fault::invalid(name, format!("{n} is not in {}..{}", range.start(), range.end())))
            }
            other => Ok(other),
        }
    }

    /// A boolean in any letter case (the Python SDKs send `True`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, Fault> {
        self.get(name)
            .map(|v| match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(Fault::invalid(name, format!("'{v}' is not true or false"))),
            })
            .transpose()
    }

    /// The numbers N used in `prefix.N.*` (or `prefix.N`), sorted. A number out of range
    /// (0, or too large for a list) is `InvalidParameter`, never a parameter passed over:
    /// a filter dropped in silence would widen what a call reaches. A part that is not a
    /// number names no list entry (an unknown parameter, ignored as the API ignores them).
    pub fn indexes(&self, prefix: &str) -> Result<Vec<u32>, Fault> {
        let mut out: Vec<u32> = Vec::new();
        for (key, _) in self.0 {
            let Some(n) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')).and_then(|r| r.split('.').next())
            else {
                continue;
            };
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            match n.parse::<u32>() {
                Ok(i) if i >= 1 => out.push(i),
                _ => return Err(Fault::invalid(key, format!("{prefix}.N: N must be from 1 to {}, got {n}", u32::MAX))),
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The values of a repeated list `prefix.1`, `prefix.2`, ...
    pub fn list(&self, prefix: &str) -> Result<Vec<&'a str>, Fault> {
        Ok(self.indexes(prefix)?.into_iter().filter_map(|n| self.get(&format!("{prefix}.{n}"))).collect())
    }
}
