//! One inventory row as typed views over its cells, named by the physical line it starts on.

use super::param::Param;
use super::record::Record;
use super::schema::{DiskColumns, PartColumns, Schema, TagColumns, ValueType};
use super::span::Span;
use crate::diagnostics::Column;

/// A non-empty cell: its column and text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell<'a> {
    pub col: u16,
    pub text: &'a str,
}

impl<'a> Cell<'a> {
    /// Where a finding about this cell points.
    pub fn column(self) -> Column {
        Column::At(self.col)
    }

    /// The value as an integer, if it is one.
    pub fn int(self) -> Option<i64> {
        parse_int(self.text)
    }

    /// The value as a boolean, if it is one.
    pub fn boolean(self) -> Option<bool> {
        parse_bool(self.text)
    }
}

/// A decimal integer, optionally signed, nothing else.
pub fn parse_int(text: &str) -> Option<i64> {
    parse_int_bytes(text.as_bytes())
}

/// [`parse_int`] on bytes.
#[inline]
pub fn parse_int_bytes(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        all => (false, all),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    Some(if negative { -n } else { n })
}

/// Whether a value has white space at either end.
pub fn is_padded(text: &str) -> bool {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(&f), Some(&l)) if f.is_ascii() && l.is_ascii() => f.is_ascii_whitespace() || l.is_ascii_whitespace(),
        (None, _) | (_, None) => false,
        _ => text.trim() != text,
    }
}

/// `true` or `false` in any letter case.
pub fn parse_bool(text: &str) -> Option<bool> {
    parse_bool_bytes(text.as_bytes())
}

/// [`parse_bool`] on bytes.
#[inline]
pub fn parse_bool_bytes(text: &[u8]) -> Option<bool> {
    if text.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if text.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

/// A row of the inventory, read through the header's schema.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    pub line: u64,
    pub schema: &'a Schema,
    record: Record<'a>,
    cells: Option<&'a Cells<'a>>,
}

/// The scalar parameters of a row, found in one pass over its fields: the rules read them
/// dozens of times a row.
pub struct Cells<'a>([Option<Cell<'a>>; Param::COUNT]);

impl<'a> Cells<'a> {
    /// No parameter set, before a record is read.
    pub(crate) fn none() -> Cells<'a> {
        Cells([None; Param::COUNT])
    }

    /// Reads another record's parameters in place of these: kept from row to row, the
    /// cells are not built apart and copied whole (672 bytes) for every row.
    pub(crate) fn read(&mut self, schema: &Schema, record: Record<'a>) {
        for (cell, col) in self.0.iter_mut().zip(schema.param_columns()) {
            // Most cells of an export are empty: their bounds say so without their text.
            *cell = match *col {
                Some(col) if record.is_filled(col as usize) => record.get(col as usize).map(|text| Cell { col, text }),
                _ => None,
            };
        }
    }
}

impl<'a> Row<'a> {
    /// Views `record`, which starts on physical line `line`.
    pub fn new(line: u64, schema: &'a Schema, record: Record<'a>) -> Row<'a> {
        Row { line, schema, record, cells: None }
    }

    /// Like [`Row::new`], reading the scalar parameters from `cells` (made from the same record).
    pub fn with_cells(line: u64, schema: &'a Schema, record: Record<'a>, cells: &'a Cells<'a>) -> Row<'a> {
        Row { line, schema, record, cells: Some(cells) }
    }

    /// The raw record.
    pub fn record(&self) -> Record<'a> {
        self.record
    }

    /// Every field, in column order (empty ones included).
    pub fn fields(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.record.iter()
    }

    /// The cell at a column position, if it is non-empty.
    pub fn cell(&self, col: Option<u16>) -> Option<Cell<'a>> {
        let col = col?;
        let text = self.record.get(col as usize)?;
        (!text.is_empty()).then_some(Cell { col, text })
    }

    /// Whether the cell at a column position is non-empty: what [`Row::cell`] finds, without
    /// reading its text.
    pub fn has(&self, col: Option<u16>) -> bool {
        col.is_some_and(|c| self.record.is_filled(c as usize))
    }

    /// The cell of a scalar parameter, if set.
    pub fn get(&self, p: Param) -> Option<Cell<'a>> {
        match self.cells {
            Some(cells) => cells.0[p.index()],
            None => self.cell(self.schema.column(p)),
        }
    }

    /// The text of a scalar parameter, if set.
    pub fn text(&self, p: Param) -> Option<&'a str> {
        self.get(p).map(|c| c.text)
    }

    /// A scalar parameter as an integer, if set and well-formed.
    pub fn int(&self, p: Param) -> Option<i64> {
        self.get(p).and_then(Cell::int)
    }

    /// A scalar parameter as a boolean, if set and well-formed.
    pub fn boolean(&self, p: Param) -> Option<bool> {
        self.get(p).and_then(Cell::boolean)
    }

    /// Where a finding about a parameter points, whether or not the file has its column.
    pub fn column_of(&self, p: Param) -> Column {
        match self.schema.column(p) {
            Some(c) => Column::At(c),
            None => Column::Named(p.name()),
        }
    }

    /// What the bounds at the ends of a list's span prove: `Some(false)`, that the row sets
    /// none of its cells; `Some(true)`, that it sets one, when the span holds only the
    /// list's columns. `None`: the list's cells must be looked at.
    fn spanned(&self, span: Option<Span>) -> Option<bool> {
        let span = span?;
        match self.record.any_filled(span.from.into(), span.to.into())? {
            false => Some(false),
            true => span.exact.then_some(true),
        }
    }

    /// The columns the API reads, in blocks side by side in the header, but for the blocks
    /// this row leaves empty, told by their two bounds (see [`Spans::typed`](super::span::Spans::typed)).
    pub fn typed_blocks(&self) -> impl Iterator<Item = &'a [(u16, ValueType)]> + 'a {
        let (row, typed) = (*self, &self.schema.typed);
        debug_assert_eq!(self.schema.spans.typed.last().map_or(0, |b| b.1.end), typed.len(), "blocks made");
        let blocks = self.schema.spans.typed.iter().filter(move |(span, _)| row.spanned(Some(*span)) != Some(false));
        blocks.map(move |(_, places)| &typed[places.clone()])
    }

    /// `list`, or none of it when the row sets no cell of its `span`.
    fn unless_empty<T>(&self, span: Option<Span>, list: &'a [T]) -> &'a [T] {
        if self.spanned(span) == Some(false) { &[] } else { list }
    }

    /// The data disks this row sets (any of their cells non-empty), in list order.
    pub fn data_disks(&self) -> impl Iterator<Item = Disk<'a>> + 'a {
        let row = *self;
        let disks = self.unless_empty(self.schema.spans.disks, &self.schema.disks);
        // `disks` is the whole list or none of it: `i` is the disk's place in the schema.
        let span = move |i: usize| row.schema.spans.each_disk.get(i).copied().flatten();
        disks.iter().enumerate().map(move |(i, cols)| Disk { row, cols, span: span(i) }).filter(|d| d.is_set())
    }

    /// The system disk partitions this row sets, in list order.
    pub fn system_parts(&self) -> impl Iterator<Item = Part<'a>> + 'a {
        let row = *self;
        parts_of(row, self.unless_empty(self.schema.spans.system_parts, &self.schema.system_parts))
    }

    /// The tags this row sets, in list order.
    pub fn tags(&self) -> impl Iterator<Item = Tag<'a>> + 'a {
        let row = *self;
        let tags = self.unless_empty(self.schema.spans.tags, &self.schema.tags);
        tags.iter().filter(move |cols| row.has(cols.key) || row.has(cols.value)).map(move |cols| Tag {
            n: cols.n,
            cols,
            key: row.cell(cols.key),
            value: row.cell(cols.value),
        })
    }
}

fn parts_of<'a>(row: Row<'a>, cols: &'a [PartColumns]) -> impl Iterator<Item = Part<'a>> + 'a {
    cols.iter().filter(move |c| part_is_set(row, c)).map(move |c| Part {
        m: c.m,
        device: row.cell(c.device),
        size_bytes: row.cell(c.size_bytes),
        block: row.cell(c.block),
        cols: c,
    })
}

/// Whether the row sets any cell of the partition at `cols`.
fn part_is_set(row: Row, cols: &PartColumns) -> bool {
    row.has(cols.device) || row.has(cols.size_bytes) || row.has(cols.block)
}

/// One `DataDisk.N` of a row.
#[derive(Clone, Copy)]
pub struct Disk<'a> {
    row: Row<'a>,
    pub cols: &'a DiskColumns,
    /// Where its columns lie.
    span: Option<Span>,
}

impl<'a> Disk<'a> {
    /// The list position N.
    pub fn n(&self) -> u32 {
        self.cols.n
    }

    /// `DataDisk.N.Index`, if set.
    pub fn index(&self) -> Option<Cell<'a>> {
        self.row.cell(self.cols.index)
    }

    /// `DataDisk.N.Size`, if set.
    pub fn size(&self) -> Option<Cell<'a>> {
        self.row.cell(self.cols.size)
    }

    /// The partitions this disk sets.
    pub fn parts(&self) -> impl Iterator<Item = Part<'a>> + 'a {
        parts_of(self.row, &self.cols.parts)
    }

    /// The column a finding about the whole disk points to: its first column.
    pub fn column(&self) -> Column {
        let first = [self.cols.index, self.cols.size].into_iter().flatten().next();
        first
            .or_else(|| self.cols.parts.iter().find_map(|p| p.device.or(p.size_bytes).or(p.block)))
            .map_or(Column::Row, Column::At)
    }

    fn is_set(&self) -> bool {
        let (row, cols) = (self.row, self.cols);
        row.spanned(self.span).unwrap_or_else(|| {
            row.has(cols.index) || row.has(cols.size) || cols.parts.iter().any(|p| part_is_set(row, p))
        })
    }
}

/// One partition (`DataDisk.N.Part.M` or `SystemDiskPart.M`) of a row.
#[derive(Clone, Copy)]
pub struct Part<'a> {
    pub m: u32,
    pub device: Option<Cell<'a>>,
    pub size_bytes: Option<Cell<'a>>,
    pub block: Option<Cell<'a>>,
    pub cols: &'a PartColumns,
}

/// One `Tag.N` of a row.
#[derive(Clone, Copy)]
pub struct Tag<'a> {
    pub n: u32,
    pub key: Option<Cell<'a>>,
    pub value: Option<Cell<'a>>,
    pub cols: &'a TagColumns,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::RecordBuf;

    #[test]
    fn typed_values() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("4.0"), None);
        assert_eq!(parse_int("1e3"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_int("-"), None);
        assert_eq!(parse_int("99999999999999999999"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn lists_are_views_over_cells() {
        let schema = Schema::parse(
            ["RegionId", "SourceId", "DataDisk.1.Index", "DataDisk.2.Index", "DataDisk.2.Part.1.Device", "Tag.1.Key"]
                .map(String::from)
                .to_vec(),
        )
        .unwrap();
        let rec: RecordBuf = ["cn-hangzhou", "s-abc", "", "2", "1_1", ""].into_iter().collect();
        let row = Row::new(2, &schema, rec.view());
        let disks: Vec<_> = row.data_disks().collect();
        assert_eq!(disks.len(), 1);
        assert_eq!(disks[0].n(), 2);
        assert_eq!(disks[0].index().unwrap().int(), Some(2));
        assert_eq!(disks[0].parts().next().unwrap().device.unwrap().text, "1_1");
        assert_eq!(row.tags().count(), 0);
        for col in 0..=rec.view().len() as u16 {
            assert_eq!(row.has(Some(col)), row.cell(Some(col)).is_some(), "column {col}");
        }
        assert!(!row.has(None));
        assert_eq!(row.column_of(Param::Name), Column::Named("Name"));
        assert_eq!(row.column_of(Param::SourceId), Column::At(1));
        let mut cells = Cells::none();
        cells.read(&schema, rec.view());
        let fast = Row::with_cells(2, &schema, rec.view(), &cells);
        for p in Param::ALL {
            assert_eq!(fast.get(*p), row.get(*p), "{p:?}");
        }
    }
}
