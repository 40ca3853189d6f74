//! Byte work on short strings (keys, most values) without a call into libc: for a few
//! bytes the `memcmp`/`memcpy` call costs more than the work (perf: 7 % of the
//! flattening threads was `memcmp` from the key-order check, 6 % `memmove` copying
//! short texts).

/// `a == b`, for keys of up to 16 bytes (most JSON keys) in two word loads.
#[inline]
pub(crate) fn same_key(a: &str, b: &str) -> bool {
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut w = [0u8; N];
        w.copy_from_slice(&s[at..at + N]);
        w
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two overlapping words cover the key.
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

/// Appends `s` to `v`: texts of up to 16 bytes with two overlapping word copies.
#[inline(always)]
pub(crate) fn extend(v: &mut Vec<u8>, s: &[u8]) {
    let n = s.len();
    if n > 16 {
        v.extend_from_slice(s);
        return;
    }
    v.reserve(n);
    let len = v.len();
    // SAFETY: `reserve` made room for `n` more bytes after `len`; every write below
    // stays inside `len..len + n` and every read inside `s`, which cannot overlap the
    // spare capacity of `v`. The first `n` spare bytes are all written before
    // `set_len`.
    #[allow(unsafe_code)]
    unsafe {
        let (src, dst) = (s.as_ptr(), v.as_mut_ptr().add(len));
        match n {
            0 => {}
            1..=3 => {
                dst.write(*src);
                dst.add(n / 2).write(*src.add(n / 2));
                dst.add(n - 1).write(*src.add(n - 1));
            }
            4..=7 => {
                let (a, b) = (
                    src.cast::<u32>().read_unaligned(),
                    src.add(n - 4).cast::<u32>().read_unaligned(),
                );
                dst.cast::<u32>().write_unaligned(a);
                dst.add(n - 4).cast::<u32>().write_unaligned(b);
            }
            _ => {
                let (a, b) = (
                    src.cast::<u64>().read_unaligned(),
                    src.add(n - 8).cast::<u64>().read_unaligned(),
                );
                dst.cast::<u64>().write_unaligned(a);
                dst.add(n - 8).cast::<u64>().write_unaligned(b);
            }
        }
        v.set_len(len + n);
    }
}

/// [`extend`] for a `String`.
#[inline(always)]
pub(crate) fn push_str(out: &mut String, s: &str) {
    // SAFETY: a whole `str` is appended to valid UTF-8, which stays valid UTF-8.
    #[allow(unsafe_code)]
    extend(unsafe { out.as_mut_vec() }, s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_agrees_with_equality_at_every_length_and_position() {
        for n in 0..=40usize {
            let a: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            assert!(same_key(&a, &a.clone()), "{a:?}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).unwrap();
                assert!(!same_key(&a, &b), "{a:?} vs {b:?}");
            }
            // Same prefix, one byte longer.
            let longer = format!("{a}x");
            assert!(!same_key(&a, &longer) && !same_key(&longer, &a));
        }
        assert!(same_key("ключ", "ключ") && !same_key("ключ", "ключи"));
    }

    #[test]
    fn extend_appends_every_length_exactly() {
        for n in 0..=40usize {
            let s: Vec<u8> = (0..n as u8)
                .map(|i| i.wrapping_mul(37).wrapping_add(1))
                .collect();
            for prefix in [0usize, 1, 7, 64] {
                let mut v: Vec<u8> = vec![0xAA; prefix];
                extend(&mut v, &s);
                assert_eq!(&v[..prefix], &vec![0xAA; prefix][..]);
                assert_eq!(&v[prefix..], &s[..], "n {n} prefix {prefix}");
            }
        }
        let mut text = String::from("é");
        push_str(&mut text, "ключ");
        push_str(&mut text, "");
        assert_eq!(text, "éключ");
    }
}
