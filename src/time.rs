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

/// A timestamp in a file smcplan writes (the journal): `YYYY-MM-DDThh:mm:ssZ`, read back
/// from any RFC 3339 time. For `#[serde(with = "crate::time::second")]`.
pub mod second {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        text.parse::<Timestamp>().map_err(|_| D::Error::custom(format!("'{text}' is not a UTC time")))
    }
}

/// Text that [`parse_duration`] does not read as a duration.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{}' is not a duration (write e.g. 8h, 90m, 1d12h, 45s)", crate::text::OneLine(.0))]
pub struct NotADuration(pub String);

/// `8h`, `1d 2h`, `90m`: a duration as a person writes it.
pub fn parse_duration(text: &str) -> Result<jiff::SignedDuration, NotADuration> {
    let bad = || NotADuration(text.to_string());
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.trim().chars().filter(|c| !c.is_whitespace()) {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let n: i64 = digits.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        digits.clear();
        any = true;
    }
    if !digits.is_empty() || !any || total == 0 {
        return Err(bad());
    }
    Ok(jiff::SignedDuration::from_secs(total))
}

/// A duration as [`parse_duration`] reads it: `1d2h`, `8h`, `90m` → `1h30m`.
pub fn show_duration(d: jiff::SignedDuration) -> String {
    let mut s = d.as_secs();
    let mut out = String::new();
    for (unit, name) in [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')] {
        if s >= unit {
            out.push_str(&format!("{}{name}", s / unit));
            s %= unit;
        }
    }
    if out.is_empty() { "0s".to_string() } else { out }
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

    #[test]
    fn durations_read_as_people_write_them() {
        use jiff::SignedDuration;
        assert_eq!(parse_duration("8h"), Ok(SignedDuration::from_hours(8)));
        assert_eq!(parse_duration("1d 2h30m"), Ok(SignedDuration::from_secs(86_400 + 9_000)));
        for bad in ["", "8", "h", "8x", "-1h", "0h", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), Err(NotADuration(bad.to_string())), "{bad}");
        }
        assert_eq!(show_duration(SignedDuration::from_secs(86_400 + 5_400)), "1d1h30m");
    }
}
