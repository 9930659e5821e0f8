//! Fuzzing the parsers with proptest: the formula parser, the CSV reader, the TOML config,
//! the safetensors reader and the checkpoint reader get arbitrary input and mutations of
//! valid input (truncation, bit flips, lying header lengths, offsets, dtypes and shapes).
//! Each case must return (an error or a value) without panicking, within a time bound
//! ([`bounded`]), and without any single allocation above [`CAP`] (this binary's global
//! allocator refuses it, which aborts the run).
//!
//! The normal test run tries 256 cases per property; a longer run:
//!
//! ```sh
//! PROPTEST_CASES=100000 cargo test -p curvegan --test suite fuzz -- --nocapture
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use curvegan::data::dataset::Dataset;
use curvegan::data::expr::Formula;
use curvegan::nn::state_dict::tensors_from_bytes;
use curvegan::run::store::checkpoint;
use curvegan::{Output, TrainConfig};
use proptest::prelude::*;

/// The largest single allocation this test binary allows: a parser that believes a lying
/// length (2^60 bytes) must fail here rather than on a machine with enough swap.
const CAP: usize = 1 << 30;

struct Capped;

// SAFETY: forwards to the system allocator, refusing only requests above CAP (a null return,
// which the standard library turns into an allocation-failure abort).
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match layout.size() > CAP {
            true => std::ptr::null_mut(),
            false => unsafe { System.alloc(layout) },
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match layout.size() > CAP {
            true => std::ptr::null_mut(),
            false => unsafe { System.alloc_zeroed(layout) },
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match new_size > CAP {
            true => std::ptr::null_mut(),
            false => unsafe { System.realloc(ptr, layout, new_size) },
        }
    }
}

#[global_allocator]
static ALLOC: Capped = Capped;

/// Runs `f` on another thread and fails the case if it panics or takes more than 10 s.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("no answer within 10 s"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the parser panicked"),
    }
}

/// A real checkpoint, and the generator's weights, of a 3-step run.
fn valid_files() -> &'static (Vec<u8>, Vec<u8>) {
    static FILES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    FILES.get_or_init(|| {
        let tmp = tempfile::TempDir::new().unwrap();
        let config = TrainConfig {
            steps: 3,
            plot_every: 0,
            eval_samples: 20,
            ..TrainConfig::default()
        };
        let out = Output {
            dir: tmp.path().join("run"),
            force: false,
            label: Default::default(),
        };
        curvegan::train(&config, &out, &mut ()).unwrap();
        let read = |f: &str| std::fs::read(out.dir.join(f)).unwrap();
        (
            read("checkpoint.safetensors"),
            read("generator.safetensors"),
        )
    })
}

/// A mutation of a safetensors file.
#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    FlipBits(Vec<(usize, u8)>),
    /// Replaces the 8-byte header length.
    HeaderLength(u64),
    /// Replaces the k-th number of the JSON header (a shape, an offset, a step…).
    Number(usize, u64),
    /// Replaces the k-th dtype of the JSON header.
    Dtype(usize, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let lies = prop_oneof![
        Just(0u64),
        Just(1),
        Just(1 << 32),
        Just(1 << 60),
        Just(u64::MAX),
        any::<u64>(),
        0..100_000u64
    ];
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        prop::collection::vec((any::<usize>(), 0..8u8), 1..8).prop_map(Mutation::FlipBits),
        lies.clone().prop_map(Mutation::HeaderLength),
        (any::<usize>(), lies).prop_map(|(k, v)| Mutation::Number(k, v)),
        (
            any::<usize>(),
            prop::sample::select(vec!["F64", "F16", "BF16", "I8", "U8", "BOOL", "I64", "X"])
        )
            .prop_map(|(k, d)| Mutation::Dtype(k, d)),
    ]
}

fn mutate(valid: &[u8], m: &Mutation) -> Vec<u8> {
    let mut bytes = valid.to_vec();
    let header_len = u64::from_le_bytes(valid[..8].try_into().unwrap()) as usize;
    let header = String::from_utf8_lossy(&valid[8..8 + header_len]).into_owned();
    // Rewrites the header with `f`, keeping the rest of the file.
    let with_header = |f: &dyn Fn(&str) -> String| {
        let h = f(&header);
        let mut b = (h.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(h.as_bytes());
        b.extend_from_slice(&valid[8 + header_len..]);
        b
    };
    match m {
        Mutation::Truncate(at) => bytes.truncate(at % (valid.len() + 1)),
        Mutation::FlipBits(flips) => {
            for (at, bit) in flips {
                bytes[at % valid.len()] ^= 1 << bit;
            }
        }
        Mutation::HeaderLength(n) => bytes[..8].copy_from_slice(&n.to_le_bytes()),
        Mutation::Number(k, v) => {
            return with_header(&|h: &str| {
                let runs: Vec<(usize, usize)> = digit_runs(h);
                let Some(&(a, b)) = runs.get(k % runs.len().max(1)) else {
                    return h.to_string();
                };
                format!("{}{v}{}", &h[..a], &h[b..])
            })
        }
        Mutation::Dtype(k, d) => {
            return with_header(&|h: &str| {
                let at: Vec<usize> = h.match_indices("\"F32\"").map(|(i, _)| i).collect();
                let Some(&i) = at.get(k % at.len().max(1)) else {
                    return h.to_string();
                };
                format!("{}\"{d}\"{}", &h[..i], &h[i + 5..])
            })
        }
    }
    bytes
}

/// Byte ranges of the runs of ASCII digits in `s`.
fn digit_runs(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            runs.push((start, i));
        } else {
            i += 1;
        }
    }
    runs
}

/// Reads `bytes` both ways: as plain tensors, and as a checkpoint file.
fn read_both(bytes: Vec<u8>) {
    bounded(move || {
        let _ = tensors_from_bytes(&bytes);
        let tmp = tempfile::TempDir::new().unwrap();
        let path = tmp.path().join("checkpoint.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(c) = checkpoint::load(&path) {
            let _ = TrainConfig::from_toml(&c.config, &path);
        }
    });
}

/// Valid config text to mutate: every setting of the default, and of a richer config.
fn valid_toml() -> Vec<String> {
    let rich = TrainConfig {
        keep_best: Some("mse_to_target".into()),
        ..TrainConfig::default()
    };
    [TrainConfig::default(), rich]
        .iter()
        .map(|c| c.to_toml().unwrap())
        .collect()
}

const TRICKY: [&str; 22] = [
    "0",
    "-1",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "18446744073709551615",
    "9223372036854775807",
    "4294967296",
    "\"\"",
    "[]",
    "[0]",
    "[0, 0]",
    "\"leaky-relu:nan\"",
    "\"a*x\"",
    "\"((((x))))\"",
    "{}",
    "true",
    "1.5",
    "\"nope\"",
    "\"uniform(2,1)\"",
    "[18446744073709551615]",
];

proptest! {
    #[test]
    fn formula_parse_never_panics(
        text in prop_oneof![any::<String>(), "[xab0-9+*/^().,eE \\-]{0,80}", "[a-z(),.0-9x]{0,60}"],
        params in prop::sample::subsequence(vec!["a", "b", "x", "pi", "sin", "c1"], 0..4),
    ) {
        bounded(move || {
            if let Ok(f) = Formula::parse(&text, &params) {
                let values = vec![1.5; params.len()];
                let _ = f.eval(0.25, &values);
            }
        });
    }

    #[test]
    fn csv_parse_never_panics(
        text in prop_oneof![any::<String>(), "[0-9a-z.,\"\n\r ;eE+\\-\u{feff}]{0,200}"],
    ) {
        bounded(move || Dataset::parse(&text, Path::new("fuzz.csv")).err());
    }

    #[test]
    fn toml_config_never_panics(
        base in prop::sample::select(valid_toml()),
        edits in prop::collection::vec((any::<usize>(), prop::sample::select(TRICKY.to_vec())), 0..4),
        junk in prop_oneof![Just(String::new()), any::<String>()],
    ) {
        // Replace the values of some lines with tricky ones, and maybe append junk.
        let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
        for (k, v) in edits {
            let i = k % lines.len();
            if let Some((key, _)) = lines[i].split_once(" = ") {
                lines[i] = format!("{key} = {v}");
            }
        }
        let text = lines.join("\n") + "\n" + &junk;
        bounded(move || TrainConfig::from_toml(&text, Path::new("fuzz.toml")).err());
    }

    #[test]
    fn toml_arbitrary_text_never_panics(text in any::<String>()) {
        bounded(move || TrainConfig::from_toml(&text, Path::new("fuzz.toml")).err());
    }

    #[test]
    fn safetensors_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        read_both(bytes);
    }

    #[test]
    fn mutated_checkpoints_never_panic(m in mutation()) {
        read_both(mutate(&valid_files().0, &m));
    }

    #[test]
    fn mutated_weights_never_panic(m in mutation()) {
        read_both(mutate(&valid_files().1, &m));
    }
}

// Inputs too large for random generation to reach.

/// Found by this file: a sum of 100000 terms overflowed the stack (now refused by length).
#[test]
fn deep_and_long_formulas_are_errors_not_crashes() {
    let deep = format!("{}x{}", "(".repeat(100_000), ")".repeat(100_000));
    for text in [
        deep,
        "-".repeat(100_000) + "x",
        "x^".repeat(100_000) + "x",
        "x+".repeat(100_000) + "x",
        "x*".repeat(100_000) + "x",
        "sin(".repeat(100_000) + "x",
    ] {
        bounded(move || assert!(Formula::parse(&text, &[]).is_err()));
    }
}

#[test]
fn deeply_nested_toml_is_an_error_not_a_crash() {
    let arrays = format!("steps = {}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let tables = format!("x = {}1{}", "{a = ".repeat(100_000), "}".repeat(100_000));
    for text in [arrays, tables] {
        bounded(move || assert!(TrainConfig::from_toml(&text, Path::new("deep.toml")).is_err()));
    }
}

#[test]
fn a_very_wide_csv_row_is_read() {
    let wide = "1,".repeat(1_000_000) + "1\n";
    bounded(move || {
        Dataset::parse(&wide, Path::new("wide.csv"))
            .map(|_| ())
            .unwrap()
    });
}

/// Huge header lengths, the 2^60 one among them, are refused before anything is allocated.
#[test]
fn huge_header_lengths_are_refused() {
    for len in [1u64 << 60, u64::MAX, 100_000_001, 1 << 32] {
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(b"{}");
        let copy = bytes.clone();
        assert!(bounded(move || tensors_from_bytes(&copy).is_err()));
        read_both(bytes);
    }
}
