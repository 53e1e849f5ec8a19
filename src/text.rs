//! Text inside smcplan's own messages: user text on one line, control characters escaped;
//! counts with their nouns in the right number.

use std::fmt;

/// Shows `text` with line breaks, tabs and other control characters escaped (`\n`, `\u{1b}`),
/// so that a message quoting it stays one readable line.
pub struct OneLine<'a>(pub &'a str);

impl fmt::Display for OneLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// What `e` says (an error of a library, say), on one line as [`OneLine`] shows it.
pub fn one_line(e: &dyn fmt::Display) -> String {
    OneLine(&e.to_string()).to_string()
}

/// A cell a spreadsheet would run as a formula gets a leading `'` (for the files smcplan
/// writes that people open in one: reports, `failed.csv`, drafts).
pub fn neutralise(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// `text` as HTML text or an attribute value: nothing in it is markup.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `one` when `n` is one, else `many`: a word that agrees with a count.
pub fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// A count and its noun, the noun in the plural unless the count is one: `1 job`, `2 jobs`
/// (`noun` is the singular; the plural adds an `s`).
pub struct Count(pub usize, pub &'static str);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Count(n, noun) = *self;
        write!(f, "{n} {noun}{}", plural(n as u64, "", "s"))
    }
}

/// A count and the verb after it: `1 job was`, `2 jobs were`.
pub fn were(count: Count) -> String {
    format!("{count} {}", plural(count.0 as u64, "was", "were"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(OneLine("a,\"b\"\r\nc\td\u{1b}é").to_string(), "a,\"b\"\\r\\nc\\td\\u{1b}é");
        assert_eq!(OneLine("RegionId").to_string(), "RegionId");
    }

    #[test]
    fn counts_say_one_in_the_singular() {
        assert_eq!(Count(1, "job").to_string(), "1 job");
        assert_eq!([0, 2].map(|n| Count(n, "warning").to_string()), ["0 warnings", "2 warnings"]);
        assert_eq!([1, 3].map(|n| were(Count(n, "job"))), ["1 job was", "3 jobs were"]);
    }
}
