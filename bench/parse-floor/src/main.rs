//! Parse floor: read a JSON Lines file fully into memory (not timed), then parse every
//! line into a DOM with the chosen parser and walk it counting leaves (scalars).
//! Prints one line on stderr: `MODE: lines=.. leaves=.. parse_s=.. MB/s=..`.
//!
//! usage: parse-floor {serde|simd|sonic|scan} FILE
//!   serde  serde_json::Value        simd   simd_json::BorrowedValue
//!   sonic  sonic_rs::Value          scan   count ':' with memchr (memory-bandwidth reference)
use std::io::Read;
use std::process::ExitCode;

fn count_serde(v: &serde_json::Value, leaves: &mut u64) {
    match v {
        serde_json::Value::Object(m) => m.values().for_each(|x| count_serde(x, leaves)),
        serde_json::Value::Array(a) => a.iter().for_each(|x| count_serde(x, leaves)),
        _ => *leaves += 1,
    }
}

fn count_simd(v: &simd_json::BorrowedValue, leaves: &mut u64) {
    use simd_json::BorrowedValue as B;
    match v {
        B::Object(m) => m.values().for_each(|x| count_simd(x, leaves)),
        B::Array(a) => a.iter().for_each(|x| count_simd(x, leaves)),
        _ => *leaves += 1,
    }
}

fn count_sonic(v: &sonic_rs::Value, leaves: &mut u64) {
    use sonic_rs::JsonContainerTrait;
    if let Some(o) = v.as_object() {
        o.iter().for_each(|(_, x)| count_sonic(x, leaves));
    } else if let Some(a) = v.as_array() {
        a.iter().for_each(|x| count_sonic(x, leaves));
    } else {
        *leaves += 1;
    }
}

fn run(mode: &str, path: &str) -> Result<(), String> {
    if !matches!(mode, "serde" | "simd" | "sonic" | "scan") {
        return Err(format!("unknown mode {mode:?} (serde, simd, sonic, scan)"));
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut buf))
        .map_err(|e| format!("{path}: {e}"))?;
    let t = std::time::Instant::now();
    let (mut lines, mut leaves) = (0u64, 0u64);
    let mut scratch: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut start = 0usize;
    for end in memchr::memchr_iter(b'\n', &buf).chain(std::iter::once(buf.len())) {
        let line = &buf[start..end];
        start = end + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        lines += 1;
        let bad = |e: String| format!("{path}:{lines}: {e}");
        match mode {
            "serde" => {
                let v: serde_json::Value =
                    serde_json::from_slice(line).map_err(|e| bad(e.to_string()))?;
                count_serde(&v, &mut leaves);
            }
            "simd" => {
                scratch.clear();
                scratch.extend_from_slice(line);
                let v =
                    simd_json::to_borrowed_value(&mut scratch).map_err(|e| bad(e.to_string()))?;
                count_simd(&v, &mut leaves);
            }
            "sonic" => {
                let v: sonic_rs::Value =
                    sonic_rs::from_slice(line).map_err(|e| bad(e.to_string()))?;
                count_sonic(&v, &mut leaves);
            }
            _ => leaves += memchr::memchr_iter(b':', line).count() as u64,
        }
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "{mode}: lines={lines} leaves={leaves} parse_s={s:.3} MB/s={:.0}",
        buf.len() as f64 / 1e6 / s.max(1e-9)
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: parse-floor {{serde|simd|sonic|scan}} FILE");
        return ExitCode::from(2);
    }
    match run(&args[1], &args[2]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parse-floor: {e}");
            ExitCode::FAILURE
        }
    }
}
