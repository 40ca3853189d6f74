//! Reads one JSON document straight onto a [`Tape`]: a byte scanner for the common
//! case, with no serde machinery, scratch buffer or visitor per value.
//!
//! It takes only what it can read exactly as [`crate::value::parse`] would. Anything
//! else — a syntax error, a number no 64-bit type holds as written (`-0`, beyond
//! 64 bits, beyond f64, a float at or above 2^63 with no fraction, which the exact
//! reading checks against its text), a lone surrogate escape, nesting near serde_json's
//! limit — makes it give up with nothing written, and the caller takes the exact
//! reading, which also words the error. Property tests in `tape.rs` and
//! `tests/prop_lossless.rs`, and JSONTestSuite in `tests/json_test_suite.rs`, compare
//! the two.

use crate::tape::Tape;
use crate::value;

/// serde_json refuses documents nested 128 deep; well short of that the exact reading
/// decides.
const MAX_DEPTH: u32 = 100;

/// Why the scan stopped; the caller only needs to know that it did.
pub(crate) struct GiveUp;

type Scanned = Result<(), GiveUp>;

/// Writes `text` (one document, valid UTF-8) onto `tape` as its open record.
pub(crate) fn scan(tape: &mut Tape, text: &str) -> Scanned {
    let mut s = Scanner {
        tape,
        text,
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    s.value()?;
    s.skip_space();
    if s.i == s.b.len() {
        Ok(())
    } else {
        Err(GiveUp)
    }
}

struct Scanner<'t, 's> {
    tape: &'t mut Tape,
    text: &'s str,
    b: &'s [u8],
    i: usize,
    depth: u32,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bit set in the lowest byte of `w` that is `"`, `\` or a control character
/// (bytes above it may be marked falsely; the lowest mark is exact).
#[inline(always)]
fn string_stops(w: u64) -> u64 {
    let quote = w ^ (ONES * b'"' as u64);
    let slash = w ^ (ONES * b'\\' as u64);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (zero(quote) | zero(slash) | w.wrapping_sub(ONES * 0x20)) & !w & HIGHS
}

impl Scanner<'_, '_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn skip_space(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if value::is_json_space(&c) {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    /// The next byte after white space, consumed.
    #[inline(always)]
    fn next_token(&mut self) -> Result<u8, GiveUp> {
        self.skip_space();
        let c = self.peek().ok_or(GiveUp)?;
        self.i += 1;
        Ok(c)
    }

    fn value(&mut self) -> Scanned {
        match self.next_token()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => {
                let start = self.tape.begin_text();
                self.string()?;
                self.tape.end_str(start);
                Ok(())
            }
            b't' => self.word(b"rue", |t| t.bool(true)),
            b'f' => self.word(b"alse", |t| t.bool(false)),
            b'n' => self.word(b"ull", Tape::null),
            c @ (b'-' | b'0'..=b'9') => self.number(c),
            _ => Err(GiveUp),
        }
    }

    fn word(&mut self, rest: &[u8], write: impl FnOnce(&mut Tape)) -> Scanned {
        if self.b[self.i..].starts_with(rest) {
            self.i += rest.len();
            write(self.tape);
            Ok(())
        } else {
            Err(GiveUp)
        }
    }

    fn nest(&mut self) -> Scanned {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(GiveUp);
        }
        Ok(())
    }

    /// Closes the open container, which got `n` entries or items.
    fn close(&mut self, n: u32) -> Scanned {
        self.tape.end(n);
        self.depth -= 1;
        Ok(())
    }

    fn object(&mut self) -> Scanned {
        self.nest()?;
        self.tape.begin_object();
        let mut n = 0u32;
        let mut c = self.next_token()?;
        if c != b'}' {
            loop {
                if c != b'"' {
                    return Err(GiveUp);
                }
                let start = self.tape.begin_text();
                self.string()?;
                self.tape.end_key(start);
                if self.next_token()? != b':' {
                    return Err(GiveUp);
                }
                self.value()?;
                n += 1;
                match self.next_token()? {
                    b',' => c = self.next_token()?,
                    b'}' => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        self.close(n)
    }

    fn array(&mut self) -> Scanned {
        self.nest()?;
        self.tape.begin_array();
        let mut n = 0u32;
        self.skip_space();
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.value()?;
                n += 1;
                match self.next_token()? {
                    b',' => {}
                    b']' => break,
                    _ => return Err(GiveUp),
                }
            }
        }
        self.close(n)
    }

    /// The body of a string whose opening quote is read, appended to the tape's text.
    fn string(&mut self) -> Scanned {
        loop {
            let start = self.i;
            let stop = self.string_stop(start)?;
            self.tape.push_text(&self.text[start..stop]);
            self.i = stop + 1;
            match self.b[stop] {
                b'"' => return Ok(()),
                b'\\' => self.escape()?,
                _ => return Err(GiveUp),
            }
        }
    }

    /// Index of the first `"`, `\` or control character at or after `i`.
    #[inline(always)]
    fn string_stop(&self, mut i: usize) -> Result<usize, GiveUp> {
        let b = self.b;
        while i + 8 <= b.len() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            let marks = string_stops(u64::from_le_bytes(w));
            if marks != 0 {
                return Ok(i + (marks.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        while i < b.len() {
            if matches!(b[i], b'"' | b'\\' | 0..=0x1f) {
                return Ok(i);
            }
            i += 1;
        }
        Err(GiveUp)
    }

    /// One escape, its backslash read.
    fn escape(&mut self) -> Scanned {
        let c = self.peek().ok_or(GiveUp)?;
        self.i += 1;
        let decoded = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = match high {
                    0xD800..=0xDBFF => {
                        if !self.b[self.i..].starts_with(b"\\u") {
                            return Err(GiveUp);
                        }
                        self.i += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return Err(GiveUp);
                        }
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return Err(GiveUp),
                    _ => high,
                };
                char::from_u32(code).ok_or(GiveUp)?
            }
            _ => return Err(GiveUp),
        };
        self.tape.push_char(decoded);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, GiveUp> {
        let digits = self.b.get(self.i..self.i + 4).ok_or(GiveUp)?;
        let mut v = 0u32;
        for &d in digits {
            let x = (d as char).to_digit(16).ok_or(GiveUp)?;
            v = v * 16 + x;
        }
        self.i += 4;
        Ok(v)
    }

    /// A number whose first byte `first` is read.
    fn number(&mut self, first: u8) -> Scanned {
        let start = self.i - 1;
        let negative = first == b'-';
        let lead = if negative {
            let c = self.peek().ok_or(GiveUp)?;
            self.i += 1;
            c
        } else {
            first
        };
        // Integer part: `0` alone, or a digit 1-9 and more digits.
        let int_start = self.i - 1;
        let mut magnitude: u64 = 0;
        let mut fits = true;
        match lead {
            b'0' => {}
            b'1'..=b'9' => {
                magnitude = (lead - b'0') as u64;
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    self.i += 1;
                    match magnitude
                        .checked_mul(10)
                        .and_then(|m| m.checked_add((d - b'0') as u64))
                    {
                        Some(m) => magnitude = m,
                        None => fits = false,
                    }
                }
            }
            _ => return Err(GiveUp),
        }
        let int_end = self.i;
        let mut float = false;
        let mut fraction = (0, 0);
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digits()?;
            fraction = (int_end + 1, self.i);
            float = true;
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.digits()?;
            float = true;
            exponent = true;
        }
        if float {
            let fast = match exponent {
                false => fixed_point(
                    &self.b[int_start..int_end],
                    &self.b[fraction.0..fraction.1],
                    negative,
                ),
                true => None,
            };
            let (f, repr) = match fast {
                Some(read) => read,
                None => (self.text[start..self.i].parse().map_err(|_| GiveUp)?, false),
            };
            if !f.is_finite() || value::may_be_inexact(f) {
                return Err(GiveUp);
            }
            if repr && self.tape.keeps_float_text() {
                self.tape.float_with_repr(f, &self.text[start..self.i]);
            } else {
                self.tape.float(f);
            }
            return Ok(());
        }
        // Integers beyond 64 bits and `-0` are the exact reading's.
        if !fits || (negative && magnitude == 0) {
            return Err(GiveUp);
        }
        if negative {
            if magnitude > 1 << 63 {
                return Err(GiveUp);
            }
            self.tape.int((magnitude as i64).wrapping_neg());
        } else if let Ok(i) = i64::try_from(magnitude) {
            self.tape.int(i);
        } else {
            self.tape.big_int(&self.text[start..self.i]);
        }
        Ok(())
    }

    /// One or more digits.
    fn digits(&mut self) -> Scanned {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        if self.i == start {
            Err(GiveUp)
        } else {
            Ok(())
        }
    }
}

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A number without exponent, `int.fraction`, with at most 15 significant digits (the
/// digits from the first one that is not 0): its value, and whether its text is
/// Python's `repr` of that value. `None` for other numbers.
///
/// The digits as an integer `m` are then below 10^15 and the fraction at most 22 digits
/// long, so `m` and `10^k` are exact doubles and their quotient, one IEEE division, is
/// the correctly rounded value (Clinger's fast path), as `str::parse` would give.
///
/// Decimals of up to 15 significant digits come back unchanged from the double nearest
/// them, and two of them never share a double. So the text is the shortest that reads
/// back as the value, Python's repr, when it has no digit to spare (no trailing 0 in the
/// fraction but for `X.0`) and the value is in the range Python writes without an
/// exponent: below 10^16 (true here) and 0 or at least 10^-4.
pub(crate) fn fixed_point(int: &[u8], fraction: &[u8], negative: bool) -> Option<(f64, bool)> {
    let power = *EXACT_POWERS_OF_TEN.get(fraction.len())?;
    let mut m: u64 = 0;
    let mut significant = 0;
    for &d in int.iter().chain(fraction) {
        if significant > 0 || d != b'0' {
            significant += 1;
            if significant > 15 {
                return None;
            }
        }
        m = m * 10 + u64::from(d - b'0');
    }
    let magnitude = m as f64 / power;
    let value = if negative { -magnitude } else { magnitude };
    let spare_zero = fraction.len() > 1 && fraction.last() == Some(&b'0');
    let small = int == b"0" && m != 0 && fraction.iter().take_while(|&&d| d == b'0').count() > 3;
    Some((value, !spare_zero && !small && !fraction.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_stop(s: &[u8]) -> Option<usize> {
        let mut w = [b'a'; 8];
        w[..s.len()].copy_from_slice(s);
        let marks = string_stops(u64::from_le_bytes(w));
        (marks != 0).then(|| (marks.trailing_zeros() / 8) as usize)
    }

    #[test]
    fn the_word_scan_finds_the_first_quote_backslash_or_control_byte() {
        assert_eq!(first_stop(b"abcdefgh"), None);
        assert_eq!(first_stop(b"ab\"d"), Some(2));
        assert_eq!(first_stop(b"\\"), Some(0));
        assert_eq!(first_stop(b"abcdefg\x1f"), Some(7));
        assert_eq!(first_stop(b"a\x7f\xc3\xa9 ~!\x00"), Some(7));
        // A byte just past a match must not hide the match or mark an earlier byte.
        for stop in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
            for at in 0..8 {
                for other in [0x21u8, 0x5b, 0x5d, 0x23, 0x20, 0xff, 0x80] {
                    let mut w = [other; 8];
                    w[at] = stop;
                    assert_eq!(
                        first_stop(&w),
                        Some(at),
                        "{stop:#x} at {at} among {other:#x}"
                    );
                }
            }
        }
    }

    /// `fixed_point` on `text` (no exponent), checked against `str::parse` and Python's
    /// repr as `push_py_float` writes it.
    fn check_fixed_point(text: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prelude::*;
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (int, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let significant = digits
            .bytes()
            .filter(u8::is_ascii_digit)
            .skip_while(|&d| d == b'0')
            .count();
        let read = fixed_point(int.as_bytes(), fraction.as_bytes(), negative);
        prop_assert_eq!(
            read.is_some(),
            significant <= 15 && fraction.len() <= 22,
            "{}",
            text
        );
        if let Some((value, repr)) = read {
            let exact: f64 = text.parse().expect("a number");
            prop_assert_eq!(value.to_bits(), exact.to_bits(), "{}", text);
            let mut python = String::new();
            crate::text::push_py_float(&mut python, value);
            // Claimed exactly when true: fraction-less numbers are integers here.
            prop_assert_eq!(
                repr,
                python == text && !fraction.is_empty(),
                "{} vs {}",
                text,
                python
            );
        }
        Ok(())
    }

    #[test]
    fn fixed_point_numbers_read_exactly_and_know_their_python_repr() {
        for text in [
            "0.0",
            "-0.0",
            "0.00",
            "1.0",
            "1.00",
            "10.0",
            "1.5",
            "1.50",
            "0.1",
            "-0.25",
            "0.0001",
            "0.00010",
            "0.00001",
            "0.000123",
            "123456789012345.0",
            "12345678901234.5",
            "999999999999999.9",
            "0.30000000000000004",
            "190.73",
            "1629.71",
            "-30.223751",
            "9007199254740993.0",
            "0.1000000000000000055511151231257827",
            "1.0000000000000000000001",
            "0.0000000000000000000001",
        ] {
            check_fixed_point(text).unwrap();
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]

        #[test]
        fn fixed_point_agrees_with_parse_and_repr_for_any_spelling(
            text in "-?(0|[1-9][0-9]{0,17})\\.(0{0,5}[0-9]{0,12}0{0,3}|[0-9]{1,24})"
        ) {
            check_fixed_point(&text)?;
        }

        #[test]
        fn fixed_point_knows_the_repr_of_any_double(f in proptest::prelude::any::<f64>()) {
            // Rust writes the shortest digits without exponent: Python's repr, for the
            // values Python writes that way.
            let text = format!("{f:?}");
            if f.is_finite() && !text.contains('e') {
                check_fixed_point(&text)?;
            }
        }
    }
}
