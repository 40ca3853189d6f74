//! Differential property: the fast parser (sonic-rs with a serde_json fallback) and the
//! reference parser (serde_json alone) agree on every input — the same value, or the
//! same error — over generated JSON and over mutations of it.

use proptest::prelude::*;
use transmog_core::value::{parse, parse_reference};

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        any::<u64>().prop_map(|u| u.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        "-?[1-9][0-9]{17,30}",
        "-?[0-9]\\.[0-9]{1,25}[eE][+-]?[0-9]{1,3}",
        Just("-0".to_string()),
        Just("-0.0".to_string()),
        Just("-0.000e-2".to_string()),
        Just("-0.0001".to_string()),
        Just("-0e0".to_string()),
        Just("1e400".to_string()),
        Just("-1E+309".to_string()),
        Just("1e-400".to_string()),
        Just("9223372036854775808".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("18446744073709551616".to_string()),
    ]
}

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 ]{0,8}".prop_map(|s| format!("\"{s}\"")),
        "\\PC{0,6}".prop_map(|s| serde_json::to_string(&s).expect("string")),
        Just(r#""esc\"aped\\ \/ \b\f\n\r\t \u00e9 \ud83d\ude00""#.to_string()),
        Just(r#""\ud800""#.to_string()),
        Just(r#""\udc00\ud800""#.to_string()),
        Just("\"tab\there\"".to_string()),
        Just("\"1234567890123456789012\"".to_string()),
    ]
}

fn json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number(),
        string(),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((string(), inner), 0..6).prop_map(|kv| {
                let body: Vec<String> = kv.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{ {} }}", body.join(" ,"))
            }),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b",".to_vec()),
                Just(b"]".to_vec()),
                Just(b"}".to_vec()),
                Just(b"\"".to_vec()),
                Just(b"\\".to_vec()),
                Just(b"\xff".to_vec()),
                Just(b"\xEF\xBB\xBF".to_vec()),
                Just(b"NaN".to_vec()),
                Just(b"/*c*/".to_vec()),
                Just(b"\x00".to_vec()),
                Just(b"\r\n".to_vec()),
                Just(b"1e999".to_vec()),
            ]
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn mutate(text: &str, muts: &[Mutation]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for m in muts {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match m {
            Mutation::Truncate(i) => {
                let n = at(*i, b.len());
                b.truncate(n);
            }
            Mutation::Flip(i, x) if !b.is_empty() => {
                let n = i % b.len();
                b[n] = *x;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, bytes) => {
                let n = at(*i, b.len());
                b.splice(n..n, bytes.iter().copied());
            }
        }
    }
    b
}

fn cases() -> u32 {
    std::env::var("TRANSMOG_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn fast_and_reference_parsers_agree(
        doc in json(),
        muts in prop::collection::vec(mutation(), 0..3),
    ) {
        let bytes = mutate(&doc, &muts);
        // Debug text tells -0.0 from 0.0, which `==` on f64 does not.
        prop_assert_eq!(
            format!("{:?}", parse(&bytes)),
            format!("{:?}", parse_reference(&bytes)),
            "input {:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn numbers_outside_64_bits_and_f64_keep_their_value() {
    for text in [
        "[9223372036854775807, -9223372036854775808, 18446744073709551615]",
        "[-9223372036854775809, 123456789012345678901234567890, 1e400, -0, 0.1]",
        r#"{"phone": "12345678901234567890", "n": 1.5}"#,
    ] {
        assert_eq!(
            parse(text.as_bytes()),
            parse_reference(text.as_bytes()),
            "{text}"
        );
    }
}

#[test]
fn deep_nesting_gets_the_reference_verdict() {
    // Debug builds recurse with large frames: give the parsers room.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(deep_nesting)
        .expect("thread")
        .join()
        .expect("no panic");
}

fn deep_nesting() {
    for depth in [
        1, 31, 32, 33, 99, 100, 101, 126, 127, 128, 129, 200, 254, 255, 256, 300,
    ] {
        let arrays = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"k\":".repeat(depth), "}".repeat(depth));
        for text in [arrays, objects] {
            assert_eq!(
                format!("{:?}", parse(text.as_bytes())),
                format!("{:?}", parse_reference(text.as_bytes())),
                "depth {depth}"
            );
        }
    }
    let deep = format!("{}{}", "[".repeat(127), "]".repeat(127));
    assert!(parse(deep.as_bytes()).is_ok());
    let too_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(parse(too_deep.as_bytes())
        .expect_err("too deep")
        .message
        .contains("recursion limit exceeded"));
}
