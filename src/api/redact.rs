//! Keeping secrets out of what a server says back: every form of the AccessKeySecret and the
//! SecurityToken that a request carries (as is, percent-encoded once or twice, form-encoded,
//! base64, JSON-escaped) is masked, and a string to sign a server quotes is cut, before a
//! message is stored or printed.

use super::credentials::Credentials;
use super::encode::pct;
use base64::Engine;

/// What stands where a secret was.
pub const MASK: &str = "***";

/// The shortest start of a secret masked at the end of a text cut short.
const MIN_TAIL: usize = 4;

/// Where servers quote the string to sign (which holds the SecurityToken) in their messages.
const STRING_TO_SIGN: &str = "string to sign is:";

/// The shortest run of a secret's characters masked wherever it stands in a text.
const MIN_RUN: usize = 8;

/// The secrets of one key, in every form a message may quote them.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so that a longer form is masked whole before a shorter one inside it.
    needles: Vec<String>,
    /// Every run of [`MIN_RUN`] bytes of every form: a piece of a secret quoted anywhere.
    runs: std::collections::HashSet<[u8; MIN_RUN]>,
}

impl Redactor {
    /// The forms of the key's secret and token.
    pub fn new(credentials: &Credentials) -> Redactor {
        let mut secrets = vec![credentials.access_key_secret.expose()];
        secrets.extend(credentials.security_token.as_ref().map(|t| t.expose()));
        Redactor::of(&secrets)
    }

    /// The forms of each of `secrets`.
    pub fn of(secrets: &[&str]) -> Redactor {
        let mut needles: Vec<String> = secrets.iter().filter(|s| !s.is_empty()).flat_map(|s| forms(s)).collect();
        needles.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        needles.dedup();
        let runs = needles
            .iter()
            .flat_map(|n| n.as_bytes().windows(MIN_RUN))
            .map(|w| w.try_into().expect("windows of MIN_RUN bytes"))
            .collect();
        Redactor { needles, runs }
    }

    /// `text` with every secret form masked and any quoted string to sign cut.
    pub fn redact(&self, text: &str) -> String {
        let cut = match find_ignore_case(text, STRING_TO_SIGN) {
            Some(at) => format!("{}{STRING_TO_SIGN} (omitted)", &text[..at]),
            None => text.to_string(),
        };
        self.mask(&cut)
    }

    /// `text` with every secret form masked, any run of eight or more of a secret's
    /// characters too (a server may quote part of one), and a secret's start where the text
    /// ends (a text cut short may end in the middle of one).
    pub fn mask(&self, text: &str) -> String {
        let mut out = text.to_string();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MASK);
            }
        }
        out = self.mask_runs(&out);
        for needle in &self.needles {
            let longest =
                (MIN_TAIL..needle.len()).rev().find(|&n| needle.is_char_boundary(n) && out.ends_with(&needle[..n]));
            if let Some(n) = longest {
                out.truncate(out.len() - n);
                out.push_str(MASK);
            }
        }
        out
    }

    /// `text` with every run of [`MIN_RUN`] or more bytes found in a secret form masked (runs
    /// of whole characters: what is masked starts and ends on a character's boundary).
    fn mask_runs(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut hidden = vec![false; bytes.len()];
        for (i, w) in bytes.windows(MIN_RUN).enumerate() {
            if text.is_char_boundary(i)
                && text.is_char_boundary(i + MIN_RUN)
                && self.runs.contains(<&[u8; MIN_RUN]>::try_from(w).expect("a window"))
            {
                hidden[i..i + MIN_RUN].iter_mut().for_each(|h| *h = true);
            }
        }
        let mut out = String::with_capacity(text.len());
        let mut start = 0;
        while start < bytes.len() {
            let end = (start..bytes.len()).find(|&i| hidden[i] != hidden[start]).unwrap_or(bytes.len());
            out.push_str(if hidden[start] { MASK } else { &text[start..end] });
            start = end;
        }
        out
    }

    /// Whether `text` holds a secret form or a run of one (to spare answers without one a copy).
    pub fn finds(&self, text: &str) -> bool {
        self.needles.iter().any(|n| text.contains(n.as_str()))
            || text
                .as_bytes()
                .windows(MIN_RUN)
                .any(|w| self.runs.contains(<&[u8; MIN_RUN]>::try_from(w).expect("a window")))
    }

    /// Whether `text` holds a secret form in any letter case (a host name is lower-cased).
    pub fn finds_ignoring_case(&self, text: &str) -> bool {
        let text = text.to_lowercase();
        self.needles.iter().any(|n| text.contains(&n.to_lowercase()))
    }

    /// How many forms are masked (for tests and figures).
    pub fn forms(&self) -> usize {
        self.needles.len()
    }
}

/// The forms of one secret that a request or a server's echo of it may hold.
pub fn forms(secret: &str) -> Vec<String> {
    let b64 = [
        base64::engine::general_purpose::STANDARD,
        base64::engine::general_purpose::STANDARD_NO_PAD,
        base64::engine::general_purpose::URL_SAFE,
        base64::engine::general_purpose::URL_SAFE_NO_PAD,
    ];
    let once = pct(secret);
    let mut out = vec![
        secret.to_string(),
        pct(&once),
        lower_escapes(&pct(&once)),
        lower_escapes(&once),
        once,
        url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        serde_json::to_string(secret).unwrap_or_default().trim_matches('"').replace('/', "\\/"),
        serde_json::to_string(secret).unwrap_or_default().trim_matches('"').to_string(),
    ];
    out.extend(b64.iter().map(|e| e.encode(secret.as_bytes())));
    out.retain(|f| !f.is_empty());
    out
}

/// `%2B` as `%2b`: the hex digits of every escape in lower case, the rest unchanged.
fn lower_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if hex_left > 0 {
            out.push(c.to_ascii_lowercase());
            hex_left -= 1;
        } else {
            if c == '%' {
                hex_left = 2;
            }
            out.push(c);
        }
    }
    out
}

fn find_ignore_case(text: &str, needle: &str) -> Option<usize> {
    text.to_ascii_lowercase().find(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "s3cr3t/Key+With=Odd&Chars";
    const TOKEN: &str = "CAIS+sts/TOKEN==value";

    #[test]
    fn every_form_is_masked() {
        let r = Redactor::of(&[SECRET, TOKEN]);
        for secret in [SECRET, TOKEN] {
            for form in forms(secret) {
                let text = format!("before {form} after");
                let shown = r.redact(&text);
                assert_eq!(shown, format!("before {MASK} after"), "{form}");
            }
            // Only the escapes' hex digits change case: `CAIS%2bsts%2fTOKEN`.
            assert_eq!(lower_escapes("CAIS%2Bsts%2FTOKEN%3D"), "CAIS%2bsts%2fTOKEN%3d");
            assert_eq!(r.redact(&lower_escapes(&pct(secret))), MASK);
            assert_eq!(r.redact(&format!("x {}", lower_escapes(&pct(&pct(secret))))), format!("x {MASK}"));
        }
        assert!(r.forms() >= 10, "{}", r.forms());
    }

    #[test]
    fn a_secret_cut_short_at_the_end_is_masked_too() {
        let r = Redactor::of(&[TOKEN]);
        assert_eq!(r.mask(&format!("body {}", &TOKEN[..9])), format!("body {MASK}"));
        assert_eq!(r.mask("body CAI"), "body CAI", "three characters are no secret's start");
        assert!(r.finds(&format!("a{TOKEN}b")) && !r.finds("nothing"));
    }

    #[test]
    fn any_run_of_eight_characters_of_a_secret_is_masked_wherever_it_stands() {
        let secret = "LTAI5tQzSecretValue0123456789ab";
        let r = Redactor::of(&[secret]);
        // Fourteen characters from its start, in the middle of a server's message.
        let message = format!("the key {} is not valid here", &secret[..14]);
        assert_eq!(r.mask(&message), format!("the key {MASK} is not valid here"));
        assert_eq!(r.mask(&format!("x{}y", &secret[5..13])), format!("x{MASK}y"));
        assert!(r.finds(&format!("[{}]", &secret[10..18])));
        // Seven characters are no run; other text, multi-byte characters included, is kept.
        assert_eq!(r.mask(&format!("é {} é", &secret[3..10])), format!("é {} é", &secret[3..10]));
        assert_eq!(r.mask(&format!("é{}é", &secret[3..12])), format!("é{MASK}é"));
    }

    #[test]
    fn a_quoted_string_to_sign_is_cut() {
        let r = Redactor::of(&[SECRET]);
        let message = "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3Did%26SecurityToken%3DX";
        assert_eq!(
            r.redact(message),
            "Specified signature is not matched with our calculation. server string to sign is: (omitted)"
        );
        assert_eq!(r.redact("nothing to hide"), "nothing to hide");
    }
}
