//! Fixture helpers shared by the integration tests: tiny audio files written into temp dirs.

#![allow(dead_code)]

use std::path::Path;

/// A tone frequency (150..1150 Hz) derived from the file name, so that every fixture file has
/// its own content (the feature cache is content-addressed: identical files share an entry).
fn tone_hz(path: &Path) -> f32 {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hash = name.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    150.0 + (hash % 100_000) as f32 / 100.0
}

/// Writes a 16-bit PCM WAV of `seconds` of a tone (frequency from the file name) with a little
/// vibrato.
pub fn write_wav(path: &Path, sample_rate: u32, channels: u16, seconds: f32) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let spec = hound::WavSpec {
        channels,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let tone = tone_hz(path);
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(seconds * sample_rate as f32) as usize {
        let t = i as f32 / sample_rate as f32;
        let f = tone + 20.0 * (2.0 * std::f32::consts::PI * 3.0 * t).sin();
        let x = 0.4 * (2.0 * std::f32::consts::PI * f * t).sin();
        for _ in 0..channels {
            w.write_sample((x * 32767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A short mono 16 kHz WAV.
pub fn wav(path: &Path) {
    write_wav(path, 16_000, 1, 0.12);
}

/// The 80-bit IEEE extended encoding of a sample rate (AIFF `COMM` chunk).
fn extended(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    let exponent = 31 - rate.leading_zeros();
    let mantissa = (u64::from(rate)) << (63 - exponent);
    out[..2].copy_from_slice(&((16383 + exponent) as u16).to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}

/// Writes a mono big-endian 16-bit AIFF file (whatever the extension), like TESS's two
/// AIFF-in-`.wav` files.
pub fn write_aiff(path: &Path, sample_rate: u32, seconds: f32) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let n = (seconds * sample_rate as f32) as u32;
    let tone = tone_hz(path);
    let mut ssnd = Vec::new();
    ssnd.extend_from_slice(&0u32.to_be_bytes()); // offset
    ssnd.extend_from_slice(&0u32.to_be_bytes()); // block size
    for i in 0..n {
        let t = i as f32 / sample_rate as f32;
        let x = 0.4 * (2.0 * std::f32::consts::PI * tone * t).sin();
        ssnd.extend_from_slice(&((x * 32767.0) as i16).to_be_bytes());
    }
    let mut comm = Vec::new();
    comm.extend_from_slice(&1u16.to_be_bytes()); // channels
    comm.extend_from_slice(&n.to_be_bytes()); // sample frames
    comm.extend_from_slice(&16u16.to_be_bytes()); // bits
    comm.extend_from_slice(&extended(sample_rate));
    let mut body = b"AIFF".to_vec();
    body.extend_from_slice(b"COMM");
    body.extend_from_slice(&(comm.len() as u32).to_be_bytes());
    body.extend_from_slice(&comm);
    body.extend_from_slice(b"SSND");
    body.extend_from_slice(&(ssnd.len() as u32).to_be_bytes());
    body.extend_from_slice(&ssnd);
    let mut file = b"FORM".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_be_bytes());
    file.extend_from_slice(&body);
    std::fs::write(path, file).unwrap();
}

/// Writes a text file.
pub fn text(path: &Path, content: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, content).unwrap();
}

/// The TESS folder names, differing in case and wording like the real ones.
pub const TESS_FOLDERS: [&str; 14] = [
    "OAF_angry",
    "OAF_disgust",
    "OAF_Fear",
    "OAF_happy",
    "OAF_neutral",
    "OAF_Pleasant_surprise",
    "OAF_Sad",
    "YAF_angry",
    "YAF_disgust",
    "YAF_fear",
    "YAF_happy",
    "YAF_neutral",
    "YAF_pleasant_surprised",
    "YAF_sad",
];

/// The file-name emotion token of each TESS folder (same order as [`TESS_FOLDERS`]).
pub const TESS_TOKENS: [&str; 7] = ["angry", "disgust", "fear", "happy", "neutral", "ps", "sad"];

/// A TESS tree with `words` words: every speaker × emotion × word, with the real quirks:
/// `OA_bite_neutral.wav`, `YAF_germ_angry.wav` and `YAF_neat_fear.wav` as AIFF, and
/// `OAF_food_fear.wav` at 96 kHz (when those words are in `words`).
pub fn tess_tree(root: &Path, words: &[&str]) {
    for (i, folder) in TESS_FOLDERS.iter().enumerate() {
        let speaker = &folder[..3];
        let token = TESS_TOKENS[i % 7];
        for word in words {
            let prefix = if speaker == "OAF" && *word == "bite" && token == "neutral" {
                "OA"
            } else {
                speaker
            };
            let path = root
                .join(folder)
                .join(format!("{prefix}_{word}_{token}.wav"));
            match (speaker, *word, token) {
                ("YAF", "germ", "angry") | ("YAF", "neat", "fear") => {
                    write_aiff(&path, 24_414, 0.12)
                }
                ("OAF", "food", "fear") => write_wav(&path, 96_000, 1, 0.12),
                _ => write_wav(&path, 24_414, 1, 0.12),
            }
        }
    }
}
