//! Float to text exactly as Python's `repr(float)` writes it.
//!
//! Rules (CPython `float_repr_style = 'short'`):
//! - the digits are the shortest string that reads back as the same `f64`;
//! - if the decimal exponent is below -4 or at least 16, scientific notation
//!   `d[.ddd]e±XX` with at least two exponent digits (`1e+16`, `1e-05`, `5e-324`);
//! - otherwise fixed notation, always with a fractional part (`1.0`, `100.0`, `0.0001`);
//! - `nan`, `inf`, `-inf`; the sign of `-0.0` is kept (`-0.0`).
//!
//! Rust's `{:e}` formatting already yields the shortest round-trip digits; this module only
//! lays them out the way Python does.

use std::fmt::Write as _;

/// Appends the Python `repr` of `v` to `out`.
pub fn write_py_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("nan");
        return;
    }
    if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    // `{:e}` of a finite non-negative value: "d[.ddd]e[-]X" with shortest round-trip digits.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let _ = write!(out, "{:02}", exp.unsigned_abs());
    } else if exp >= 0 {
        // `exp` is in 0..16 here, so the cast is exact.
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
            out.push_str(".0");
        } else {
            let (int_part, frac) = digits.split_at(int_len);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(&digits);
    }
}

/// Returns the Python `repr` of `v` as a new string.
pub fn py_float(v: f64) -> String {
    let mut s = String::new();
    write_py_float(&mut s, v);
    s
}

#[cfg(test)]
mod tests {
    use super::py_float;

    #[test]
    #[allow(clippy::excessive_precision)] // the SPEC's literal input
    fn spec_examples() {
        // SPEC.md section 3.4, observed with CPython.
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (123456789.123456789, "123456789.12345679"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1e22, "1e+22"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-1.5e-10, "-1.5e-10"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
        ];
        for (v, want) in cases {
            assert_eq!(py_float(*v), *want, "repr of {v:?}");
        }
    }

    #[test]
    fn more_python_reprs() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (2.5, "2.5"),
            (-3.0, "-3.0"),
            (1.5e-7, "1.5e-07"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740993.0, "9007199254740992.0"),
            (1234567890123456.7, "1234567890123456.8"),
            (12345678901234567.0, "1.2345678901234568e+16"),
            (0.3, "0.3"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123.456, "123.456"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (v, want) in cases {
            assert_eq!(py_float(*v), *want, "repr of {v:?}");
        }
    }
}
