//! Record ids and the extraction timestamp.

use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

/// Transmog 1.0.6's uuid5 namespace for deterministic ids.
pub const NAMESPACE: Uuid = Uuid::from_u128(0xa9b8c7d6_e5f4_1234_abcd_0123456789ab);

/// Appends a random (v4) uuid, lowercase hyphenated.
///
/// The random bits come from a per-thread xoshiro256++ generator seeded from the
/// operating system's entropy: ids are unique (122 random bits) at a fraction of the
/// cost of a cryptographic generator per id, which showed up in profiles (a row each).
pub fn push_random(out: &mut String) {
    let bits = RANDOM.with(|cell| {
        let (mut r, pid) = cell.get();
        let bits = (u128::from(r.next()) << 64) | u128::from(r.next());
        cell.set((r, pid));
        bits
    });
    push_uuid(
        out,
        uuid::Builder::from_random_bytes(bits.to_be_bytes()).into_uuid(),
    );
}

/// xoshiro256++ (Blackman & Vigna): fast, 256 bits of state.
#[derive(Clone, Copy)]
struct Xoshiro([u64; 4]);

impl Xoshiro {
    fn seeded() -> Xoshiro {
        // Two OS-random uuids give 244 bits of entropy; a zero state cannot occur.
        let a = Uuid::new_v4().as_u128();
        let b = Uuid::new_v4().as_u128();
        Xoshiro([a as u64, (a >> 64) as u64, b as u64, (b >> 64) as u64 | 1])
    }

    fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let out = (s[0].wrapping_add(s[3])).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }
}

thread_local! {
    /// The generator, and the process it was seeded in.
    static RANDOM: std::cell::Cell<(Xoshiro, u32)> =
        std::cell::Cell::new((Xoshiro::seeded(), std::process::id()));
}

/// Seeds this thread's generator again when the process was forked since it was
/// seeded: a child must not repeat its parent's ids. Called once per flattener (one
/// `getpid` each), not per id.
pub fn reseed_if_forked() {
    let pid = std::process::id();
    RANDOM.with(|cell| {
        if cell.get().1 != pid {
            cell.set((Xoshiro::seeded(), pid));
        }
    });
}

/// Appends uuid5(NAMESPACE, key).
pub fn push_uuid5(out: &mut String, key: &str) {
    push_uuid(out, Uuid::new_v5(&NAMESPACE, key.as_bytes()));
}

fn push_uuid(out: &mut String, id: Uuid) {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    out.push_str(id.hyphenated().encode_lower(&mut buf));
}

/// The key 1.0.6 hashes for a deterministic id: `str(value).strip().lower()`.
pub fn deterministic_key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The current UTC time as `YYYY-MM-DD HH:MM:SS.ffffff`, 1.0.6's streaming format.
pub fn now_timestamp() -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    format_timestamp(micros)
}

/// Formats microseconds since the Unix epoch (UTC).
pub fn format_timestamp(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}.{frac:06}",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid5_matches_1_0_6() {
        let mut s = String::new();
        push_uuid5(&mut s, &deterministic_key("1"));
        assert_eq!(s, "a50c4bba-da8d-53fe-b62a-72d0a247db7b");
        s.clear();
        push_uuid5(&mut s, &deterministic_key("ABC "));
        assert_eq!(s, "deaad28b-3d43-5321-9aa2-3fa1fa082c60");
    }

    #[test]
    fn random_ids_are_v4_and_distinct_across_threads() {
        let make = || {
            (0..50_000)
                .map(|_| {
                    let mut id = String::new();
                    push_random(&mut id);
                    id
                })
                .collect::<Vec<_>>()
        };
        let other = std::thread::spawn(make);
        let mut all = make();
        all.extend(other.join().expect("thread"));
        for id in &all {
            let parsed = Uuid::parse_str(id).expect("a uuid");
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "ids repeat");
    }

    #[test]
    fn timestamps_format_like_python() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00.000000");
        // 2024-01-02 03:04:05.000006 UTC
        assert_eq!(
            format_timestamp(1_704_164_645_000_006),
            "2024-01-02 03:04:05.000006"
        );
        assert_eq!(
            format_timestamp(951_782_400_000_000),
            "2000-02-29 00:00:00.000000"
        );
    }
}
