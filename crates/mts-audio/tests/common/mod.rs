//! Fixture writers shared by the integration tests: WAV through hound, AIFF by hand.

#![allow(dead_code)]

use std::io::Cursor;

use hound::{SampleFormat, WavSpec, WavWriter};

/// `seconds` of a sine at `freq` Hz and amplitude `amp`, sampled at `rate` Hz.
pub fn sine(freq: f64, rate: u32, seconds: f64, amp: f64) -> Vec<f32> {
    let n = (seconds * f64::from(rate)).round() as usize;
    (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin()) as f32
        })
        .collect()
}

/// Deterministic noise in `[-amp, amp]` (a 64-bit LCG, no external randomness).
pub fn noise(n: usize, seed: u64, amp: f32) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amp
        })
        .collect()
}

/// Sample encodings hound can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// 8-bit integer (unsigned on disk).
    Int8,
    /// 16-bit integer.
    Int16,
    /// 24-bit integer.
    Int24,
    /// 32-bit integer.
    Int32,
    /// 32-bit IEEE float.
    Float32,
}

impl Encoding {
    /// Largest quantisation error of a value in `[-1, 1]` after a round trip.
    pub fn tolerance(self) -> f32 {
        match self {
            Encoding::Int8 => 2.0 / 128.0,
            Encoding::Int16 => 2.0 / 32768.0,
            Encoding::Int24 => 2.0 / 8_388_608.0,
            Encoding::Int32 => 1e-6,
            Encoding::Float32 => 0.0,
        }
    }
}

/// A WAV file of `channels` interleaved channels (`interleaved.len()` a multiple of it).
pub fn wav_bytes(interleaved: &[f32], channels: u16, rate: u32, encoding: Encoding) -> Vec<u8> {
    let (bits, format) = match encoding {
        Encoding::Int8 => (8, SampleFormat::Int),
        Encoding::Int16 => (16, SampleFormat::Int),
        Encoding::Int24 => (24, SampleFormat::Int),
        Encoding::Int32 => (32, SampleFormat::Int),
        Encoding::Float32 => (32, SampleFormat::Float),
    };
    let spec = WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: format,
    };
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut writer = WavWriter::new(&mut cursor, spec).expect("wav header");
        for &x in interleaved {
            let x = x.clamp(-1.0, 1.0);
            match encoding {
                Encoding::Int8 => writer.write_sample((x * 127.0).round() as i8),
                Encoding::Int16 => writer.write_sample((x * 32767.0).round() as i16),
                Encoding::Int24 => writer.write_sample((x * 8_388_607.0).round() as i32),
                Encoding::Int32 => {
                    writer.write_sample((f64::from(x) * 2_147_483_647.0).round() as i32)
                }
                Encoding::Float32 => writer.write_sample(x),
            }
            .expect("wav sample");
        }
        writer.finalize().expect("wav finalize");
    }
    cursor.into_inner()
}

/// A mono 16-bit WAV file.
pub fn wav16(samples: &[f32], rate: u32) -> Vec<u8> {
    wav_bytes(samples, 1, rate, Encoding::Int16)
}

/// A float WAV file holding exactly `samples` (no clamping: NaN and infinities are kept).
pub fn wav_float_raw(samples: &[f32], rate: u32) -> Vec<u8> {
    let spec = WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: SampleFormat::Float,
    };
    let mut cursor = Cursor::new(Vec::new());
    {
        let mut writer = WavWriter::new(&mut cursor, spec).expect("wav header");
        for &x in samples {
            writer.write_sample(x).expect("wav sample");
        }
        writer.finalize().expect("wav finalize");
    }
    cursor.into_inner()
}

/// `rate` as an 80-bit IEEE 754 extended float, big-endian (the AIFF `COMM` sample rate).
fn extended80(rate: u32) -> [u8; 10] {
    let mut out = [0u8; 10];
    if rate == 0 {
        return out;
    }
    let exponent = 31 - rate.leading_zeros(); // floor(log2(rate))
    let biased = (16383 + exponent) as u16;
    let mantissa = u64::from(rate) << (63 - exponent);
    out[..2].copy_from_slice(&biased.to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}

/// A 16-bit big-endian PCM AIFF file with `channels` interleaved channels, written by hand.
pub fn aiff16(interleaved: &[f32], channels: u16, rate: u32) -> Vec<u8> {
    let frames = (interleaved.len() / usize::from(channels)) as u32;
    let data_len = interleaved.len() as u32 * 2;
    let mut comm = Vec::new();
    comm.extend_from_slice(&channels.to_be_bytes());
    comm.extend_from_slice(&frames.to_be_bytes());
    comm.extend_from_slice(&16u16.to_be_bytes());
    comm.extend_from_slice(&extended80(rate));
    let mut ssnd = Vec::new();
    ssnd.extend_from_slice(&0u32.to_be_bytes()); // offset
    ssnd.extend_from_slice(&0u32.to_be_bytes()); // block size
    for &x in interleaved {
        ssnd.extend_from_slice(&((x.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_be_bytes());
    }
    debug_assert_eq!(ssnd.len() as u32, data_len + 8);
    let mut body = b"AIFF".to_vec();
    for (id, chunk) in [(b"COMM", comm), (b"SSND", ssnd)] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_be_bytes());
        body.extend_from_slice(&chunk);
        if chunk.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut file = b"FORM".to_vec();
    file.extend_from_slice(&(body.len() as u32).to_be_bytes());
    file.extend_from_slice(&body);
    file
}

/// Byte offset of the sample rate in a WAV file written by [`wav_bytes`] (RIFF header 12 bytes,
/// `fmt ` chunk header 8, format tag 2, channels 2).
pub const WAV_RATE_OFFSET: usize = 24;
/// Byte offset of the channel count in a WAV file written by [`wav_bytes`].
pub const WAV_CHANNELS_OFFSET: usize = 22;
/// Byte offset of the format tag in a WAV file written by [`wav_bytes`].
pub const WAV_FORMAT_TAG_OFFSET: usize = 20;

/// The bin with the largest mean value over all frames of `spectrogram`.
pub fn peak_bin(spectrogram: &mts_audio::Spectrogram) -> usize {
    let mut sums = vec![0.0f64; spectrogram.bins()];
    for frame in spectrogram.iter_frames() {
        for (s, &v) in sums.iter_mut().zip(frame) {
            *s += f64::from(v);
        }
    }
    sums.iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(k, _)| k)
        .expect("at least one bin")
}
