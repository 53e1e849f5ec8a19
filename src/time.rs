//! Times as the API writes them: `YYYY-MM-DDThh:mm:ssZ`, UTC, whole seconds.

use jiff::Timestamp;

/// A UTC time written exactly as `YYYY-MM-DDThh:mm:ssZ`.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    if b.len() != shape.len() {
        return None;
    }
    let fits = b.iter().zip(shape).all(|(c, s)| if *s == b'd' { c.is_ascii_digit() } else { c == s });
    if !fits {
        return None;
    }
    text.parse().ok()
}

/// The same format back: `YYYY-MM-DDThh:mm:ssZ`, UTC, whole seconds.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_strict() {
        let t = parse_time("2026-12-01T02:00:00Z").unwrap();
        assert_eq!(t.to_string(), "2026-12-01T02:00:00Z");
        for bad in [
            "2026-12-01 02:00:00Z",
            "2026-12-01T02:00:00",
            "2026-02-30T00:00:00Z",
            "2026-12-01T24:00:00Z",
            "２026-12-01T02:00:00Z",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }
}
