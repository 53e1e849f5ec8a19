//! The quick path of the CSV reader: plain records read a block of 16 bytes at a time.
//!
//! csv-core steps a state machine over every byte. Most bytes of an inventory are plain
//! text, though; only `,`, `"` and newlines change what happens. Here one vector compare
//! finds those in 16 bytes at once, and the text between them is copied whole. Records
//! that are not plain (a blank or comment line, or one the bytes end inside) are left to
//! csv-core, and a test checks that both read every input the same.

use super::read::MAX_RECORD_BYTES;
use super::record::Records;

/// A record read: its number of fields and the newlines it spans (its own included).
pub struct Quick {
    pub fields: usize,
    pub newlines: u64,
}

/// Reads the record at `input[*pos..]` as csv-core reads it, into `out` with its field ends
/// in `ends` (relative to the record's start), when it is a plain one: it starts a line that
/// is neither blank nor a comment, and a newline in `input` ends it within
/// [`MAX_RECORD_BYTES`]. Otherwise returns `None`, with `pos` and `out.used` unchanged.
pub fn record(input: &[u8], pos: &mut usize, out: &mut Records, ends: &mut Vec<usize>) -> Option<Quick> {
    let start = *pos;
    if matches!(input.get(start), None | Some(b'\n' | b'#')) {
        return None;
    }
    let base = out.used;
    let mut text = Text { input, out, w: base };
    let mut scan = Scan::new(input, start);
    // `p`: where the text not yet copied starts; `field`: where the field starts (a quote
    // there opens a quoted field; anywhere else it is text).
    let (mut p, mut field, mut fields, mut newlines) = (start, start, 0, 1);
    loop {
        let s = scan.next(input, p)?;
        match input[s] {
            b'"' if s == field => {
                p = s + 1;
                // Inside the quotes, up to the closing quote (which `""` is not).
                loop {
                    let q = scan.next(input, p)?;
                    match input[q] {
                        b'"' if *input.get(q + 1)? == b'"' => {
                            text.copy(p, q + 1);
                            p = q + 2;
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
                text.copy(p, s);
                if fields == ends.len() {
                    ends.resize(fields * 2 + 1, 0);
                }
                ends[fields] = text.w - base;
                fields += 1;
                p = s + 1;
                field = p;
                if byte == b'\n' {
                    break;
                }
            }
        }
    }
    if p - start > MAX_RECORD_BYTES {
        return None;
    }
    *pos = p;
    text.out.used = text.w;
    Some(Quick { fields, newlines })
}

/// Field text being copied into a chunk, at `w`.
struct Text<'a> {
    input: &'a [u8],
    out: &'a mut Records,
    w: usize,
}

impl Text<'_> {
    /// Appends `input[from..to]`.
    #[inline(always)]
    fn copy(&mut self, from: usize, to: usize) {
        let len = to - from;
        let w = self.w;
        if self.out.bytes.len() < w + len + BLOCK {
            self.out.bytes.resize(w + len + 4096, 0);
        }
        // Most fields are short: one fixed-size copy is cheaper than an exact one, and what
        // it writes past the field is overwritten by the next.
        match self.input.get(from..from + BLOCK) {
            Some(block) if len <= BLOCK => self.out.bytes[w..w + BLOCK].copy_from_slice(block),
            _ => self.out.bytes[w..w + len].copy_from_slice(&self.input[from..to]),
        }
        self.w += len;
    }
}

const BLOCK: usize = 16;

/// The special bytes of the input, in order, found a block at a time.
struct Scan {
    /// The block's start.
    at: usize,
    /// A bit per special byte of the block not yet handed out.
    mask: u32,
}

impl Scan {
    fn new(input: &[u8], at: usize) -> Scan {
        Scan { at, mask: specials(&block(input, at)) }
    }

    /// The next special byte at or after `min`, if the input has one.
    #[inline(always)]
    fn next(&mut self, input: &[u8], min: usize) -> Option<usize> {
        loop {
            while self.mask == 0 {
                self.at += BLOCK;
                if self.at >= input.len() {
                    return None;
                }
                self.mask = specials(&block(input, self.at));
            }
            let s = self.at + self.mask.trailing_zeros() as usize;
            self.mask &= self.mask - 1;
            if s >= min {
                return Some(s);
            }
        }
    }
}

/// The 16 bytes at `at`, padded with NUL (which is not special) past the end of the input.
#[inline(always)]
fn block(input: &[u8], at: usize) -> [u8; BLOCK] {
    match input.get(at..at + BLOCK) {
        Some(bytes) => bytes.try_into().unwrap_or_default(),
        None => {
            let mut bytes = [0; BLOCK];
            let tail = &input[at.min(input.len())..];
            bytes[..tail.len()].copy_from_slice(tail);
            bytes
        }
    }
}

/// A bit per `,`, `"` or `\n` in the block (bit `i` for byte `i`): three vector compares.
#[inline(always)]
fn specials(block: &[u8; BLOCK]) -> u32 {
    use wide::u8x16;
    let v = u8x16::new(*block);
    let is = |byte: u8| v.simd_eq(u8x16::splat(byte));
    (is(b',') | is(b'"') | is(b'\n')).to_bitmask()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn specials_finds_every_special_byte(bytes in proptest::array::uniform16(proptest::sample::select(
            vec![b',', b'"', b'\n', b'\r', b'a', b'#', 0, 0xff, 0xac, 0xa2],
        ))) {
            let bytewise = bytes.iter().enumerate().filter(|(_, b)| matches!(b, b',' | b'"' | b'\n'));
            proptest::prop_assert_eq!(specials(&bytes), bytewise.fold(0, |m, (i, _)| m | 1 << i));
        }
    }
}
