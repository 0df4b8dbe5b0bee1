//! The classes of the synthetic corpus: syllable rhythms and pitch contours.

use rand::RngExt;
use rand::rngs::Xoshiro256PlusPlus;

use super::voice::Segment;

/// One syllable of a pattern: relative length and pitch at its start and end (relative to the
/// speaker's pitch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Syllable {
    pub length: f32,
    pub pitch: (f32, f32),
}

const fn syl(length: f32, start: f32, end: f32) -> Syllable {
    Syllable {
        length,
        pitch: (start, end),
    }
}

/// The class patterns, by class index. Classes 0/1 differ only in the direction of the pitch
/// movement, 2/3 only in the order of long and short syllables: telling them apart needs
/// spectro-temporal patterns, not the average spectrum.
pub(crate) const PATTERNS: [(&str, &[Syllable]); 6] = [
    (
        "three rising syllables",
        &[
            syl(1.0, 0.85, 1.25),
            syl(1.0, 0.85, 1.25),
            syl(1.0, 0.85, 1.25),
        ],
    ),
    (
        "three falling syllables",
        &[
            syl(1.0, 1.25, 0.85),
            syl(1.0, 1.25, 0.85),
            syl(1.0, 1.25, 0.85),
        ],
    ),
    (
        "long-short-short, level",
        &[
            syl(2.0, 1.05, 1.0),
            syl(0.7, 1.0, 0.97),
            syl(0.7, 0.97, 0.95),
        ],
    ),
    (
        "short-short-long, level",
        &[
            syl(0.7, 1.05, 1.03),
            syl(0.7, 1.03, 1.0),
            syl(2.0, 1.0, 0.95),
        ],
    ),
    (
        "rise then fall",
        &[syl(1.6, 0.85, 1.3), syl(1.6, 1.3, 0.85)],
    ),
    (
        "five quick level syllables",
        &[
            syl(0.5, 1.0, 1.05),
            syl(0.5, 1.0, 1.05),
            syl(0.5, 1.0, 1.05),
            syl(0.5, 1.0, 1.05),
            syl(0.5, 1.0, 1.05),
        ],
    ),
];

/// Vowel formants F1..F3 (Hz) of an adult voice: /a/, /i/, /u/, /e/, /o/.
const VOWELS: [[f32; 3]; 5] = [
    [730.0, 1090.0, 2440.0],
    [270.0, 2290.0, 3010.0],
    [300.0, 870.0, 2240.0],
    [530.0, 1840.0, 2480.0],
    [570.0, 840.0, 2410.0],
];

/// Duration of a syllable of length 1 at time stretch 1, seconds.
const UNIT_S: f32 = 0.16;
/// Pause between syllables at time stretch 1, relative to `UNIT_S`.
const GAP: f32 = 0.4;

/// What a speaker brings to a pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Voice {
    pub time_stretch: f32,
    pub pitch_hz: f32,
    pub formant_scale: f32,
}

/// A factor uniformly drawn from `1 ± spread`.
fn jitter(rng: &mut Xoshiro256PlusPlus, spread: f32) -> f32 {
    1.0 + spread * (2.0 * rng.random::<f32>() - 1.0)
}

/// The segments of one utterance of `pattern` by `voice`, with per-utterance jitter: pitch
/// ±6 %, syllable lengths ±12 %, pauses ±30 %, random vowels, 0.08–0.2 s of silence around.
pub(crate) fn segments(
    pattern: &[Syllable],
    voice: Voice,
    rng: &mut Xoshiro256PlusPlus,
) -> Vec<Segment> {
    let pitch = voice.pitch_hz * jitter(rng, 0.06);
    let mut out = Vec::with_capacity(2 * pattern.len() + 1);
    let pause = |s: f32| Segment {
        duration_s: s,
        f0_hz: (0.0, 0.0),
        formants_hz: None,
    };
    out.push(pause(0.08 + 0.12 * rng.random::<f32>()));
    for (i, s) in pattern.iter().enumerate() {
        if i > 0 {
            let gap = GAP * UNIT_S * voice.time_stretch * jitter(rng, 0.3);
            out.push(pause(gap));
        }
        let length = s.length * UNIT_S * voice.time_stretch * jitter(rng, 0.12);
        let vowel = VOWELS[rng.random_range(0..VOWELS.len())];
        out.push(Segment {
            duration_s: length,
            f0_hz: (pitch * s.pitch.0, pitch * s.pitch.1),
            formants_hz: Some(vowel.map(|f| f * voice.formant_scale)),
        });
    }
    out.push(pause(0.08 + 0.12 * rng.random::<f32>()));
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn voiced_length(segments: &[Segment]) -> f32 {
        segments
            .iter()
            .filter(|s| s.formants_hz.is_some())
            .map(|s| s.duration_s)
            .sum()
    }

    #[test]
    fn time_stretch_scales_the_syllables() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let voice = |time_stretch| Voice {
            time_stretch,
            pitch_hz: 120.0,
            formant_scale: 1.0,
        };
        let slow = voiced_length(&segments(PATTERNS[0].1, voice(1.6), &mut rng));
        let fast = voiced_length(&segments(PATTERNS[0].1, voice(0.6), &mut rng));
        // 3 units × 0.16 s × stretch, ±12 % jitter.
        assert!((slow - 0.768).abs() < 0.768 * 0.13, "{slow}");
        assert!((fast - 0.288).abs() < 0.288 * 0.13, "{fast}");
    }

    #[test]
    fn patterns_have_distinct_shapes() {
        for (i, (_, a)) in PATTERNS.iter().enumerate() {
            for (_, b) in &PATTERNS[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
