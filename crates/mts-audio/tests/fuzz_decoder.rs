//! Property-based fuzzing of the decoder path: arbitrary bytes and corrupted valid files must give
//! `Ok` or a typed error naming the file, never a panic. A decoder panic that `decode_bytes`
//! caught ([`AudioError::DecoderPanicked`]) is a finding too: every input reaching the decoder
//! has passed our own header checks (`wav_header.rs`), so such a panic is one those checks miss.
//! Each property counts its outcomes (decoded, refused, caught panic) and fails on the first
//! caught panic, shrunk to a minimal input.

mod common;

use std::cell::Cell;

use common::{Encoding, aiff16, sine, wav_bytes};
use mts_audio::{AudioError, FeatureExtractor, SpectrogramConfig, decode_bytes};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// What the front end made of one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A waveform, and a finite spectrogram when it was small enough to compute.
    Decoded,
    /// A typed error naming the source, before or from the decoder.
    Refused,
    /// The decoder panicked; `decode_bytes` caught it.
    DecoderPanicked,
}

/// Runs the whole front end on `bytes`. Errors must name the source; a panic anywhere but inside
/// the decoder fails the test at once.
fn run(bytes: &[u8]) -> Outcome {
    match decode_bytes(bytes, "fuzz.wav") {
        Ok(waveform) => {
            assert!(!waveform.samples.is_empty());
            assert!(waveform.samples.iter().all(|x| x.is_finite()));
            // Resampling planners scale with the rate; keep the cases fast.
            if waveform.sample_rate <= 200_000 && waveform.samples.len() <= 200_000 {
                let mut extractor = FeatureExtractor::new(SpectrogramConfig::paper())
                    .unwrap()
                    .with_screen(None);
                let spectrogram = extractor.spectrogram(&waveform).unwrap();
                assert!(spectrogram.as_slice().iter().all(|v| v.is_finite()));
            }
            Outcome::Decoded
        }
        Err(err) => {
            check_error(&err);
            if matches!(err, AudioError::DecoderPanicked { .. }) {
                Outcome::DecoderPanicked
            } else {
                Outcome::Refused
            }
        }
    }
}

fn check_error(err: &AudioError) {
    assert_eq!(
        err.path(),
        Some(std::path::Path::new("fuzz.wav")),
        "{err:?}"
    );
    assert!(err.to_string().contains("fuzz.wav"));
}

/// How many cases of a property ended each way.
#[derive(Debug, Default)]
struct Tally {
    decoded: Cell<u32>,
    refused: Cell<u32>,
    decoder_panics: Cell<u32>,
}

impl Tally {
    fn count(&self, outcome: Outcome) {
        let counter = match outcome {
            Outcome::Decoded => &self.decoded,
            Outcome::Refused => &self.refused,
            Outcome::DecoderPanicked => &self.decoder_panics,
        };
        counter.set(counter.get() + 1);
    }
}

/// Runs the property "`bytes_of(value)` never makes the front end panic, not even inside the
/// decoder" over `strategy`, and returns how the cases ended (shrinking included when one fails).
fn fuzz<S: Strategy>(strategy: S, bytes_of: impl Fn(S::Value) -> Vec<u8>) -> Tally {
    let config = Config {
        cases: cases(),
        source_file: Some(file!()),
        ..Config::default()
    };
    let tally = Tally::default();
    let result = TestRunner::new(config).run(&strategy, |value| {
        let bytes = bytes_of(value);
        let outcome = run(&bytes);
        tally.count(outcome);
        prop_assert_ne!(
            outcome,
            Outcome::DecoderPanicked,
            "the decoder panicked on bytes our header checks let through ({} bytes, first 64: {:?})",
            bytes.len(),
            &bytes[..bytes.len().min(64)]
        );
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}\n{tally:?}");
    }
    tally
}

/// Valid files of several layouts to corrupt.
fn seeds() -> Vec<Vec<u8>> {
    let mono = sine(440.0, 16_000, 0.05, 0.5);
    let stereo: Vec<f32> = mono.iter().flat_map(|&v| [v, -v]).collect();
    vec![
        wav_bytes(&mono, 1, 16_000, Encoding::Int16),
        wav_bytes(&mono, 1, 44_100, Encoding::Int8),
        wav_bytes(&mono, 1, 48_000, Encoding::Int24),
        wav_bytes(&mono, 1, 22_050, Encoding::Int32),
        wav_bytes(&mono, 1, 24_414, Encoding::Float32),
        wav_bytes(&stereo, 2, 16_000, Encoding::Int16),
        wav_bytes(&stereo, 4, 96_000, Encoding::Int16),
        aiff16(&mono, 1, 16_000),
        aiff16(&stereo, 2, 44_100),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Set byte `at` (modulo the length) to `value`.
    Set { at: usize, value: u8 },
    /// XOR byte `at` with `mask`.
    Flip { at: usize, mask: u8 },
    /// Overwrite 4 bytes at `at` with a little-endian `value` (lengths, rates, counts).
    Word { at: usize, value: u32 },
    /// Keep only the first `len` bytes.
    Truncate { len: usize },
    /// Insert `bytes` at `at`.
    Insert { at: usize, bytes: Vec<u8> },
    /// Remove `len` bytes from `at`.
    Remove { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bias positions toward the headers (first 64 bytes), where parsing decisions are made.
    let position = prop_oneof![3 => 0usize..64, 1 => any::<usize>()];
    let interesting = prop_oneof![
        Just(0u32),
        Just(1),
        Just(u32::MAX),
        Just(0x7FFF_FFFF),
        Just(0x8000_0000),
        any::<u32>()
    ];
    prop_oneof![
        (position.clone(), any::<u8>()).prop_map(|(at, value)| Mutation::Set { at, value }),
        (position.clone(), 1u8..).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        (position.clone(), interesting).prop_map(|(at, value)| Mutation::Word { at, value }),
        (0usize..4096).prop_map(|len| Mutation::Truncate { len }),
        (position.clone(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (position, 1usize..32).prop_map(|(at, len)| Mutation::Remove { at, len }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let n = bytes.len();
    match *mutation {
        Mutation::Set { at, value } => bytes[at % n] = value,
        Mutation::Flip { at, mask } => bytes[at % n] ^= mask,
        Mutation::Word { at, value } => {
            for (i, b) in value.to_le_bytes().into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at % n + i) {
                    *slot = b;
                }
            }
        }
        Mutation::Truncate { len } => bytes.truncate(len),
        Mutation::Insert {
            at,
            bytes: ref inserted,
        } => {
            let at = at % (n + 1);
            bytes.splice(at..at, inserted.iter().copied());
        }
        Mutation::Remove { at, len } => {
            let at = at % n;
            bytes.drain(at..(at + len).min(n));
        }
    }
}

/// 512 cases per property; `PROPTEST_CASES=N` fuzzes longer.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

#[test]
fn arbitrary_bytes_never_panic() {
    fuzz(prop::collection::vec(any::<u8>(), 0..2048), |bytes| bytes);
}

#[test]
fn arbitrary_bytes_behind_a_riff_or_aiff_magic_never_panic() {
    let strategy = (
        prop_oneof![Just(&b"RIFF"[..]), Just(&b"FORM"[..])],
        any::<u32>(),
        prop_oneof![Just(&b"WAVE"[..]), Just(&b"AIFF"[..]), Just(&b"AIFC"[..])],
        prop::collection::vec(any::<u8>(), 0..1024),
    );
    fuzz(strategy, |(magic, size, form, body)| {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&size.to_le_bytes());
        bytes.extend_from_slice(form);
        bytes.extend_from_slice(&body);
        bytes
    });
}

#[test]
fn corrupted_valid_files_never_panic() {
    let strategy = (0usize..9, prop::collection::vec(mutation(), 1..6));
    let tally = fuzz(strategy, |(seed, mutations)| {
        let mut bytes = seeds().swap_remove(seed);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        bytes
    });
    // The corruptions reach the decoder and past it: some cases still decode (measured: 46 of
    // 514 with the 2 saved regressions, 9 %; at least 1 in 40 is 5 standard deviations below),
    // most are refused.
    let cases = tally.decoded.get() + tally.refused.get();
    assert!(tally.decoded.get() * 40 >= cases, "{tally:?}");
    assert!(tally.refused.get() * 2 >= cases, "{tally:?}");
}
