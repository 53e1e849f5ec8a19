//! A JSON object's keys and what kind of value each holds, as the rules ask of a JSON cell.
//!
//! The fast form reads the text without building its value tree (no string or list of a
//! value is copied); the plain form, kept as the reference, reads it as a `serde_json::Value`.
//! A property test holds them to the same answer.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// What kind of value a key holds, as far as the rules ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An integer from 0 to `u64::MAX`.
    Unsigned,
    /// A negative integer down to `i64::MIN`.
    Negative,
    Bool,
    /// Anything else: a fraction, a string, a list, an object or null.
    Other,
}

impl Kind {
    /// The kind of a value read the plain way.
    #[cfg(test)]
    fn of(v: &Value) -> Kind {
        match v {
            v if v.is_u64() => Kind::Unsigned,
            v if v.is_i64() => Kind::Negative,
            Value::Bool(_) => Kind::Bool,
            _ => Kind::Other,
        }
    }
}

/// The keys of the JSON object `text` in order, each once (a key said twice holds its last
/// value), with its value's kind; `None` when `text` is not a JSON object. The fast form: [`Key`]
/// and [`Kind`] read the text without building its values, and the keys are sorted in a list
/// (a map's nodes cost more to free than the few keys of a cell cost to sort).
pub fn kinds(text: &str) -> Option<Vec<(Key<'_>, Kind)>> {
    let Object(mut keys) = serde_json::from_str(text).ok()?;
    // Stable: of a key said twice, the last is last; it gives its kind to the first, which stays.
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = later.1;
        }
        same
    });
    Some(keys)
}

/// A JSON object's entries as said, read by [`kinds`].
struct Object<'a>(Vec<(Key<'a>, Kind)>);

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Object<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(4));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Object(entries))
            }
        }
        d.deserialize_map(Entries)
    }
}

/// The value of `key` in the JSON object `text`, as JSON (for a message that shows it).
pub fn value_of(text: &str, key: &str) -> Option<String> {
    match serde_json::from_str::<Value>(text).ok()? {
        Value::Object(map) => map.get(key).map(Value::to_string),
        _ => None,
    }
}

#[cfg(test)]
fn plain(text: &str) -> Option<Vec<(Key<'_>, Kind)>> {
    match serde_json::from_str::<Value>(text).ok()? {
        // A map's keys are sorted, each once.
        Value::Object(map) => Some(map.iter().map(|(k, v)| (Key(Cow::Owned(k.clone())), Kind::of(v))).collect()),
        _ => None,
    }
}

/// A key, borrowed from the text unless it has escapes.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key<'a>(Cow<'a, str>);

impl std::ops::Deref for Key<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(s.to_string())))
            }
        }
        d.deserialize_str(Text)
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Of;
        impl<'de> Visitor<'de> for Of {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E>(self, _: u64) -> Result<Kind, E> {
                Ok(Kind::Unsigned)
            }
            fn visit_i64<E>(self, n: i64) -> Result<Kind, E> {
                Ok(if n < 0 { Kind::Negative } else { Kind::Unsigned })
            }
            fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
                Ok(Kind::Bool)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_unit<E>(self) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
                // Read, not skipped: a skipped number is not checked for its range, as `Value` checks it.
                while seq.next_element::<Kind>()?.is_some() {}
                Ok(Kind::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
                while map.next_entry::<Key, Kind>()?.is_some() {}
                Ok(Kind::Other)
            }
        }
        d.deserialize_any(Of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON value of any kind, as text, nested a little.
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            Just("18446744073709551616".to_string()),
            Just("-9223372036854775809".to_string()),
            Just("-0".to_string()),
            Just("1.5e3".to_string()),
            Just("1e400".to_string()),
            Just("true".to_string()),
            Just("null".to_string()),
            Just(r#""\ud800""#.to_string()),
            Just(r#""\x""#.to_string()),
            Just("\"\t\"".to_string()),
            "[a-z\"\\\\]{0,4}".prop_map(|s| format!("{s:?}")),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
                proptest::collection::vec((key(), inner), 0..3).prop_map(|v| object(&v)),
            ]
        })
    }

    /// A key: a few names that clash, one with an escape.
    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec!["\"a\"", "\"b\"", "\"checksum\"", "\"\\u0061\"", "\"k\\\"q\"", "\"\""])
            .prop_map(String::from)
    }

    fn object(entries: &[(String, String)]) -> String {
        let inner: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        format!("{{{}}}", inner.join(", "))
    }

    proptest! {
        /// The fast reading agrees with the plain one on objects, on other values, and on
        /// broken text (cut short, or with a stray byte).
        #[test]
        fn the_fast_reading_is_the_plain_one(
            entries in proptest::collection::vec((key(), value()), 0..5),
            top in value(),
            cut in any::<prop::sample::Index>(),
            stray in prop::sample::select(vec!["", ",", "}", "x", " "]),
        ) {
            let text = object(&entries);
            for text in [text.clone(), top, format!("{}{stray}", &text[..cut.index(text.len() + 1)])] {
                prop_assert_eq!(kinds(&text), plain(&text), "{}", text);
            }
        }
    }

    #[test]
    fn kinds_and_values() {
        let text = r#"{"n": 1, "m": -1, "f": 1.0, "b": true, "s": "x", "l": [1], "n": "again"}"#;
        let keys = kinds(text).unwrap();
        let got: Vec<(&str, Kind)> = keys.iter().map(|(k, v)| (&**k, *v)).collect();
        use Kind::*;
        assert_eq!(got, [("b", Bool), ("f", Other), ("l", Other), ("m", Negative), ("n", Other), ("s", Other)]);
        assert_eq!(value_of(text, "n").as_deref(), Some("\"again\""));
        assert_eq!(kinds("[1]"), None);
        assert_eq!(kinds("{"), None);
    }
}
