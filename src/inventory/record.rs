//! Records: the fields of CSV rows, a chunk of rows stored in one text buffer.
//!
//! The reader writes every field of a chunk's rows one after the other into a single
//! buffer and notes where each field ends, so a chunk is three flat arrays instead of
//! thousands of small allocations, and the threads that check it read it front to back.

/// Largest record accepted, in bytes; the API's longest value is 2048 characters.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// One record's fields: field `i` is `text[bounds[i]..bounds[i + 1]]`.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    text: &'a str,
    bounds: &'a [u32],
}

impl<'a> Record<'a> {
    /// The number of fields.
    pub fn len(&self) -> usize {
        self.bounds.len().saturating_sub(1)
    }

    /// Whether the record has no field.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Field `i`, if the record has one.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let &[start, end] = self.bounds.get(i..i + 2)? else { return None };
        self.text.get(start as usize..end as usize)
    }

    /// Whether field `i` is there and not empty, read from its bounds alone.
    pub fn is_filled(&self, i: usize) -> bool {
        matches!(self.bounds.get(i..i + 2), Some(&[start, end]) if start < end)
    }

    /// Whether any of fields `from..to` is not empty, read from the bounds at the two ends
    /// alone (the fields' texts lie one after the other); `None` past the record's end, and
    /// when the last field ends before it starts (the parser took the field before's CR off
    /// it), where the bounds prove nothing.
    pub(crate) fn any_filled(&self, from: usize, to: usize) -> Option<bool> {
        let (start, end) = (*self.bounds.get(from)?, *self.bounds.get(to)?);
        if to > 0 && to + 1 == self.bounds.len() && end < self.bounds[to - 1] {
            return None;
        }
        Some(start < end)
    }

    /// Field `i` as bytes, if the record has one.
    pub fn bytes(&self, i: usize) -> Option<&'a [u8]> {
        let &[start, end] = self.bounds.get(i..i + 2)? else { return None };
        self.text.as_bytes().get(start as usize..end as usize)
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let text = self.text;
        self.bounds.windows(2).map(move |w| text.get(w[0] as usize..w[1] as usize).unwrap_or_default())
    }
}

/// An owned record, for rows kept past their chunk and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBuf {
    text: String,
    bounds: Vec<u32>,
}

impl RecordBuf {
    /// A view of the record.
    pub fn view(&self) -> Record<'_> {
        Record { text: &self.text, bounds: &self.bounds }
    }
}

impl<S: AsRef<str>> FromIterator<S> for RecordBuf {
    fn from_iter<I: IntoIterator<Item = S>>(fields: I) -> RecordBuf {
        let mut rec = RecordBuf { text: String::new(), bounds: vec![0] };
        for field in fields {
            rec.text.push_str(field.as_ref());
            rec.bounds.push(rec.text.len() as u32);
        }
        rec
    }
}

impl From<Record<'_>> for RecordBuf {
    fn from(rec: Record<'_>) -> RecordBuf {
        rec.iter().collect()
    }
}

/// The records of one chunk of the file, in file order, each with the physical line it starts on.
///
/// While the reader fills it the text is raw bytes; [`Records::decode`] turns it into
/// text once for the whole chunk.
#[derive(Debug, Default)]
pub struct Records {
    /// Raw field bytes while filling; empty once decoded.
    pub(super) bytes: Vec<u8>,
    /// How much of `bytes` holds fields (the rest is zeroed room to write into).
    pub(super) used: usize,
    /// The decoded text, once [`Records::decode`] succeeded.
    text: String,
    /// Per record: its start, then the end of each field, as offsets into the text.
    pub(super) bounds: Vec<u32>,
    /// Per record: the physical line it starts on.
    pub(super) lines: Vec<u64>,
    /// Fields per record (every record has as many as the header).
    pub(super) width: usize,
}

/// Why a chunk's bytes are not text: the record (by index) and the message.
#[derive(Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub record: usize,
    pub message: String,
    /// The field (from 0) that is not UTF-8, when that is what is wrong.
    pub field: Option<usize>,
}

impl DecodeError {
    /// The message, naming the column that is not UTF-8 by its name in the header `names`.
    pub fn message_in(self, names: &[String]) -> String {
        match self.field.and_then(|f| Some((f, names.get(f)?))) {
            Some((f, name)) => format!(
                "column {} (field {}) is not valid UTF-8 (save the file as UTF-8)",
                crate::text::OneLine(name),
                f + 1
            ),
            None => self.message,
        }
    }
}

impl Records {
    /// Empties the chunk for records of `width` fields, keeping every buffer.
    pub fn clear(&mut self, width: usize) {
        if self.bytes.is_empty() {
            self.bytes = std::mem::take(&mut self.text).into_bytes();
        }
        self.used = 0;
        self.bounds.clear();
        self.lines.clear();
        self.width = width;
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the chunk holds no record.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// The physical line record `i` starts on.
    pub fn line(&self, i: usize) -> u64 {
        self.lines[i]
    }

    /// Record `i`; empty until the chunk is decoded.
    pub fn get(&self, i: usize) -> Record<'_> {
        let w = self.width + 1;
        Record { text: &self.text, bounds: self.bounds.get(i * w..(i + 1) * w).unwrap_or_default() }
    }

    /// Checks that the chunk is text (UTF-8, no NUL byte, fields cut on character
    /// boundaries) and makes its records readable; on failure, names the first bad record.
    pub fn decode(&mut self) -> Result<(), DecodeError> {
        let mut bytes = std::mem::take(&mut self.bytes);
        bytes.truncate(self.used);
        let nul = memchr::memchr(0, &bytes).map(|at| self.record_at(at));
        let checked = match String::from_utf8(bytes) {
            Ok(text) => {
                self.text = text;
                self.split_char().map_or(Ok(()), |(record, field)| Err((record, field)))
            }
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                self.bytes = e.into_bytes();
                let record = self.record_at(at);
                Err((record, self.field_at(record, at)))
            }
        };
        match (nul, checked) {
            (Some(record), Err((bad, _))) if record <= bad => Err(nul_error(record)),
            (Some(record), Ok(())) => Err(nul_error(record)),
            (_, Err((record, field))) => Err(DecodeError {
                record,
                message: format!("field {} is not valid UTF-8 (save the file as UTF-8)", field + 1),
                field: Some(field),
            }),
            (None, Ok(())) => Ok(()),
        }
    }

    /// The first field boundary inside a character, as (record, field), if any.
    fn split_char(&self) -> Option<(usize, usize)> {
        if self.text.is_ascii() {
            return None;
        }
        let at = self.bounds.iter().position(|&b| !self.text.is_char_boundary(b as usize))?;
        let record = at / (self.width + 1);
        Some((record, (at % (self.width + 1)).max(1) - 1))
    }

    /// The record holding byte `at` of the text.
    fn record_at(&self, at: usize) -> usize {
        let w = self.width + 1;
        let starts = self.bounds.iter().step_by(w);
        starts.take_while(|&&s| s as usize <= at).count().saturating_sub(1)
    }

    /// The field of `record` holding byte `at`.
    fn field_at(&self, record: usize, at: usize) -> usize {
        let w = self.width + 1;
        let ends = self.bounds.get(record * w + 1..(record + 1) * w).unwrap_or_default();
        ends.iter().position(|&e| at < e as usize).unwrap_or(self.width.saturating_sub(1))
    }
}

fn nul_error(record: usize) -> DecodeError {
    DecodeError {
        field: None,
        record,
        message: "the row holds a NUL byte: this looks like a binary file, not a CSV inventory".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(rows: &[Row]) -> Records {
        let mut records = Records::default();
        records.clear(rows[0].len());
        for (i, row) in rows.iter().enumerate() {
            records.bounds.push(records.used as u32);
            for field in *row {
                records.bytes.extend_from_slice(field);
                records.used += field.len();
                records.bounds.push(records.used as u32);
            }
            records.lines.push(i as u64 + 2);
        }
        records
    }

    proptest::proptest! {
        /// What the bounds say of a field is what its text says.
        #[test]
        fn bounds_read_as_the_text(fields in proptest::collection::vec("\\PC{0,3}", 0..6)) {
            let rec: RecordBuf = fields.iter().collect();
            let rec = rec.view();
            for i in 0..fields.len() + 2 {
                proptest::prop_assert_eq!(rec.is_filled(i), rec.get(i).is_some_and(|t| !t.is_empty()));
                proptest::prop_assert_eq!(rec.bytes(i), rec.get(i).map(str::as_bytes));
            }
        }
    }

    #[test]
    fn fields_and_owned_copies() {
        let mut records = chunk(&[&[b"a", b"", b"c\xc3\xa9"], &[b"d", b"e", b"f"]]);
        records.decode().unwrap();
        assert_eq!(records.len(), 2);
        let rec = records.get(0);
        assert_eq!(rec.iter().collect::<Vec<_>>(), ["a", "", "cé"]);
        assert_eq!(rec.get(2), Some("cé"));
        assert_eq!(rec.get(3), None);
        assert_eq!(RecordBuf::from(records.get(1)), ["d", "e", "f"].into_iter().collect());
        assert_eq!(records.line(1), 3);
    }

    type Row<'a> = &'a [&'a [u8]];

    #[test]
    fn the_first_bad_record_is_named() {
        let cases: Vec<(Vec<Row>, usize, &str)> = vec![
            (vec![&[b"a", b"b"], &[b"c", b"\xff"]], 1, "field 2 is not valid UTF-8 (save the file as UTF-8)"),
            (vec![&[b"a", b"b\x00"], &[b"c", b"\xff"]], 0, "the row holds a NUL byte"),
            (vec![&[b"a", b"\xff"], &[b"c\x00", b"d"]], 0, "field 2 is not valid UTF-8"),
            // Two halves of one character in two fields: the text is valid, each field is not.
            (vec![&[b"a", b"b"], &[b"\xc3", b"\xa9"]], 1, "field 1 is not valid UTF-8"),
        ];
        for (rows, record, message) in cases {
            let err = chunk(&rows).decode().unwrap_err();
            assert_eq!(err.record, record, "{rows:?}");
            assert!(err.message.starts_with(message), "{rows:?}: {}", err.message);
        }
    }

    #[test]
    fn clear_keeps_the_buffers() {
        let mut records = chunk(&[&[b"abc", b"def"]]);
        records.decode().unwrap();
        let capacity = records.text.capacity();
        records.clear(2);
        assert!(records.is_empty());
        assert_eq!(records.bytes.capacity(), capacity);
    }
}
