//! Names for a draft: a source server's name rewritten to the API's rule for Name and
//! ImageName (2-128 characters, a letter first, then letters, digits, `:`, `_`, `-`), made
//! unique against the names already taken.

use std::collections::BTreeSet;

/// Longest name the API accepts, in characters.
const LONGEST: usize = 128;

/// `name` rewritten to the API's rule: every other character becomes `-`, what comes before
/// the first letter goes, and a name too short becomes `server-...`.
pub fn valid_name(name: &str) -> String {
    let mapped: String = name
        .trim()
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, ':' | '_' | '-') { c } else { '-' })
        .skip_while(|c| !c.is_alphabetic())
        .collect();
    let mut out = match mapped.chars().count() {
        0 => "server".to_string(),
        1 => format!("server-{mapped}"),
        _ => mapped,
    };
    // `http://` cannot survive the mapping (`/` becomes `-`), so no URL prefix is left.
    if out.chars().count() > LONGEST {
        out = out.chars().take(LONGEST).collect();
    }
    out
}

/// The first of `base`, `base-2`, `base-3`, ... (shortened to fit) that `taken` does not
/// hold; it is taken then.
pub fn unique(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            let suffix = format!("-{n}");
            let keep = LONGEST - suffix.len();
            format!("{}{suffix}", base.chars().take(keep).collect::<String>())
        };
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_rule() {
        assert_eq!(valid_name("db01"), "db01");
        assert_eq!(valid_name("01-db.corp example"), "db-corp-example");
        assert_eq!(valid_name("http://x"), "http:--x");
        assert_eq!(valid_name("7"), "server");
        assert_eq!(valid_name("a"), "server-a");
        assert_eq!(valid_name("数据库01"), "数据库01");
        assert_eq!(valid_name(&"x".repeat(300)).len(), 128);
    }

    #[test]
    fn unique_names_count_up_and_fit() {
        let mut taken = BTreeSet::from(["web".to_string(), "web-2".to_string()]);
        assert_eq!(unique("web", &mut taken), "web-3");
        assert_eq!(unique("db", &mut taken), "db");
        let long = "y".repeat(128);
        taken.insert(long.clone());
        let next = unique(&long, &mut taken);
        assert_eq!((next.chars().count(), next.ends_with("-2")), (128, true));
    }

    proptest::proptest! {
        /// Whatever the source calls itself, the draft's name passes the API's rule.
        #[test]
        fn any_name_becomes_a_valid_one(name in "\\PC{0,200}") {
            let v = valid_name(&name);
            let n = v.chars().count();
            proptest::prop_assert!((2..=128).contains(&n), "{v:?}");
            proptest::prop_assert!(v.chars().next().unwrap().is_alphabetic(), "{v:?}");
            proptest::prop_assert!(v.chars().all(|c| c.is_alphanumeric() || matches!(c, ':' | '_' | '-')), "{v:?}");
            proptest::prop_assert!(!v.starts_with("http://") && !v.starts_with("https://"));
        }
    }
}
