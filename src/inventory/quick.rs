//! The quick path of the CSV reader: plain records read 64 bytes at a time.
//!
//! csv-core steps a state machine over every byte. Most bytes of an inventory are plain
//! text, though; only `,`, `"` and newlines change what happens. Here vector compares
//! find those in 16 bytes at once, the text between them is copied whole, and a run of
//! delimiters (the empty cells of a wide export) ends its fields at once. Records
//! that are not plain (a blank or comment line, or one the bytes end inside) are left to
//! csv-core, and a test checks that both read every input the same.

use super::record::{MAX_RECORD_BYTES, Records};

/// A record read: its number of fields and the newlines it spans (its own included).
pub struct Quick {
    pub fields: usize,
    pub newlines: u64,
}

/// Reads the record at `input[*pos..]` as csv-core reads it, into `out` (its start, then the
/// end of each field, pushed onto `out.bounds`), when it is a plain one: it starts a line
/// that is neither blank nor a comment, and a newline in `input` ends it within
/// [`MAX_RECORD_BYTES`]. Otherwise returns `None`, with `pos` and `out` unchanged.
pub fn record(input: &[u8], pos: &mut usize, out: &mut Records, delimiter: u8) -> Option<Quick> {
    let start = *pos;
    if matches!(input.get(start), None | Some(b'\n' | b'#')) {
        return None;
    }
    let (base, mark) = (out.used, out.bounds.len());
    // The fields are never longer than the bytes they come from.
    let room = base + (input.len() - start) + COPY;
    if out.bytes.len() < room {
        out.bytes.resize(room, 0);
    }
    out.bounds.push(base as u32);
    let mut text = Text { input, bytes: &mut out.bytes, w: base };
    let read = fields(input, start, &mut text, &mut out.bounds, delimiter);
    match read {
        Some((end, newlines)) if end - start <= MAX_RECORD_BYTES => {
            *pos = end;
            out.used = text.w;
            Some(Quick { fields: out.bounds.len() - mark - 1, newlines })
        }
        _ => {
            out.bounds.truncate(mark);
            None
        }
    }
}

/// Copies the fields of the record at `start` and pushes where each ends; returns where
/// the record ends (after its newline) and the newlines it spans.
#[inline(always)]
fn fields(input: &[u8], start: usize, text: &mut Text, bounds: &mut Vec<u32>, delimiter: u8) -> Option<(usize, u64)> {
    let mut scan = Scan::new(input, start, delimiter);
    // `p`: where the text not yet copied starts; `field`: where the field starts (a quote
    // there opens a quoted field; anywhere else it is text).
    let (mut p, mut field, mut newlines) = (start, start, 1);
    loop {
        let s = scan.next(input)?;
        match input[s] {
            b'"' if s == field => {
                p = s + 1;
                // Inside the quotes, up to the closing quote (which `""` is not).
                loop {
                    let q = scan.next(input)?;
                    match input[q] {
                        b'"' if *input.get(q + 1)? == b'"' => {
                            text.copy(p, q + 1);
                            p = q + 2;
                            scan.next(input)?;
                        }
                        b'"' => {
                            text.copy(p, q);
                            p = q + 1;
                            break;
                        }
                        b'\n' => newlines += 1,
                        _ => {}
                    }
                }
            }
            b'"' => {}
            byte => {
                if s > p {
                    text.copy(p, s);
                } else if byte != b'\n' {
                    // Nothing to copy, and the delimiters right after this one end empty
                    // fields too (most cells of a wide export are empty): their ends are
                    // pushed together, not found one by one.
                    let ends = 1 + scan.delimiters_after(s);
                    bounds.resize(bounds.len() + ends, text.w as u32);
                    p = s + ends;
                    field = p;
                    continue;
                }
                bounds.push(text.w as u32);
                p = s + 1;
                field = p;
                if byte == b'\n' {
                    return Some((p, newlines));
                }
            }
        }
    }
}

/// Field text being copied into a chunk's bytes, at `w`; the bytes have room for a
/// block past every field.
struct Text<'a> {
    input: &'a [u8],
    bytes: &'a mut Vec<u8>,
    w: usize,
}

impl Text<'_> {
    /// Appends `input[from..to]`.
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        let (len, w) = (to - from, self.w);
        // Most fields are short: one fixed-size copy is cheaper than an exact one, and what
        // it writes past the field is overwritten by the next.
        match self.input.get(from..from + COPY) {
            Some(block) if len <= COPY => self.bytes[w..w + COPY].copy_from_slice(block),
            _ => self.bytes[w..w + len].copy_from_slice(&self.input[from..to]),
        }
        self.w += len;
    }
}

/// Bytes copied at once for a short field.
const COPY: usize = 16;

/// The special bytes of the input, in order, found a block at a time.
struct Scan {
    /// The block's start.
    at: usize,
    /// A bit per special byte of the block not yet handed out.
    mask: u64,
    /// A bit per delimiter of the block.
    delimiters: u64,
    delimiter: u8,
}

impl Scan {
    fn new(input: &[u8], at: usize, delimiter: u8) -> Scan {
        let (mask, delimiters) = specials(&block(input, at), delimiter);
        Scan { at, mask, delimiters, delimiter }
    }

    /// Hands out the delimiters that follow the special byte at `s` (the last handed out)
    /// with nothing between, up to the end of the block; returns how many.
    #[inline(always)]
    fn delimiters_after(&mut self, s: usize) -> usize {
        let bit = s - self.at;
        let run = (!(self.delimiters >> bit >> 1)).trailing_zeros() as usize;
        if run > 0 {
            // `bit + run` is at most 63 when there is a run.
            self.mask &= !(((1 << run) - 1) << (bit + 1));
        }
        run
    }

    /// The next special byte, if the input has one.
    #[inline(always)]
    fn next(&mut self, input: &[u8]) -> Option<usize> {
        while self.mask == 0 {
            self.at += SCAN;
            if self.at >= input.len() {
                return None;
            }
            (self.mask, self.delimiters) = specials(&block(input, self.at), self.delimiter);
        }
        let s = self.at + self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(s)
    }
}

/// Bytes scanned at once.
const SCAN: usize = 64;

/// The 64 bytes at `at`, padded with NUL (which is not special) past the end of the input.
#[inline(always)]
fn block(input: &[u8], at: usize) -> [u8; SCAN] {
    match input.get(at..at + SCAN) {
        Some(bytes) => bytes.try_into().unwrap_or([0; SCAN]),
        None => {
            let mut bytes = [0; SCAN];
            let tail = &input[at.min(input.len())..];
            bytes[..tail.len()].copy_from_slice(tail);
            bytes
        }
    }
}

/// A bit per delimiter (`,`, `;` or tab), `"` or `\n` in the block (bit `i` for byte `i`),
/// and a bit per delimiter: three vector compares for every 16 bytes.
#[inline(always)]
fn specials(block: &[u8; SCAN], delimiter: u8) -> (u64, u64) {
    use wide::u8x16;
    let (comma, quote, newline) = (u8x16::splat(delimiter), u8x16::splat(b'"'), u8x16::splat(b'\n'));
    let (mut mask, mut delimiters) = (0, 0);
    for (i, sixteen) in block.chunks_exact(16).enumerate() {
        let v = u8x16::new(sixteen.try_into().unwrap_or([0; 16]));
        let commas = v.simd_eq(comma);
        let hits = commas | v.simd_eq(quote) | v.simd_eq(newline);
        mask |= u64::from(hits.to_bitmask()) << (16 * i);
        delimiters |= u64::from(commas.to_bitmask()) << (16 * i);
    }
    (mask, delimiters)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn specials_finds_every_special_byte(bytes in proptest::collection::vec(proptest::sample::select(
            vec![b',', b'"', b'\n', b'\r', b'a', b'#', 0, 0xff, 0xac, 0xa2],
        ), SCAN)) {
            let bytes: [u8; SCAN] = bytes.try_into().unwrap();
            let bits = |f: &dyn Fn(u8) -> bool| bytes.iter().enumerate().filter(|(_, b)| f(**b)).fold(0, |m, (i, _)| m | 1 << i);
            for d in [b',', b'\r'] {
                let bytewise = (bits(&|b| matches!(b, b'"' | b'\n') || b == d), bits(&|b| b == d));
                proptest::prop_assert_eq!(specials(&bytes, d), bytewise);
            }
        }
    }
}
