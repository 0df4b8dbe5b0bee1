//! Decoding audio files by content (symphonia) into a mono [`Waveform`].

use std::io::Cursor;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;

use crate::wav_header::{MAX_CHANNELS, check_wav_header};
use crate::{AudioError, Waveform};

/// The lowest sample rate accepted from a file, in Hz.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// The highest sample rate accepted from a file, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// The largest sample magnitude accepted (full scale is 1). Only floating-point files can exceed
/// full scale; values this far beyond it (60 dB) are corrupt data, and far larger ones would
/// overflow the FFTs downstream.
pub const MAX_SAMPLE_MAGNITUDE: f32 = 1000.0;

/// Decodes the audio file at `path` to a mono [`Waveform`] at the file's own rate.
///
/// The format is recognised from the bytes, never from the extension (an AIFF file named `.wav`
/// decodes as AIFF). Supported: WAV and AIFF with 8/16/24/32-bit integer or 32/64-bit float PCM;
/// FLAC with feature `flac`, Ogg Vorbis with feature `ogg`. Samples are scaled to `[-1, 1]` and
/// the channels averaged (down-mix to mono).
///
/// # Errors
/// An [`AudioError`] naming `path`: [`Io`](AudioError::Io) (missing, unreadable),
/// [`EmptyFile`](AudioError::EmptyFile), [`UnsupportedFormat`](AudioError::UnsupportedFormat),
/// [`UnsupportedCodec`](AudioError::UnsupportedCodec), [`NoAudioTrack`](AudioError::NoAudioTrack),
/// [`Truncated`](AudioError::Truncated) (header cut short, or fewer frames than the header
/// declares), [`Malformed`](AudioError::Malformed),
/// [`DecoderPanicked`](AudioError::DecoderPanicked) (a decoder bug, caught),
/// [`InvalidSampleRate`](AudioError::InvalidSampleRate),
/// [`InvalidChannels`](AudioError::InvalidChannels), [`NoSamples`](AudioError::NoSamples),
/// [`NonFiniteSample`](AudioError::NonFiniteSample),
/// [`SampleOutOfRange`](AudioError::SampleOutOfRange).
pub fn decode_file(path: impl AsRef<Path>) -> Result<Waveform, AudioError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| AudioError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    decode_bytes(&bytes, path)
}

/// Decodes an in-memory audio file, as [`decode_file`]; `name` stands for the file in errors and
/// in [`Waveform::source`].
///
/// # Errors
/// As [`decode_file`], except [`AudioError::Io`].
pub fn decode_bytes(bytes: &[u8], name: impl AsRef<Path>) -> Result<Waveform, AudioError> {
    let path = name.as_ref().to_path_buf();
    if bytes.is_empty() {
        return Err(AudioError::EmptyFile { path });
    }
    check_wav_header(bytes, &path)?;
    // symphonia 0.6.1 has panics on some malformed headers (found by this crate's fuzz tests: a
    // WAVE_FORMAT_EXTENSIBLE header declaring more than 32 channels overflows a shift, which
    // `check_wav_header` now refuses before decoding, in every build profile). A panic in the
    // decoder is an unusable file to the caller, not a crash, and a finding for the fuzz tests.
    without_panics(&path, || decode(bytes, &path))
}

/// Runs `decode`, turning a panic into [`AudioError::DecoderPanicked`] naming `path`. Everything
/// the closure touches is local to one decode, so nothing is left half-updated. (Requires the
/// default `panic = "unwind"`.)
fn without_panics(
    path: &Path,
    decode: impl FnOnce() -> Result<Waveform, AudioError>,
) -> Result<Waveform, AudioError> {
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode));
    attempt.unwrap_or_else(|payload| {
        let reason = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown reason".into());
        Err(AudioError::DecoderPanicked {
            path: path.to_path_buf(),
            reason,
        })
    })
}

/// [`decode_bytes`] without the panic guard.
fn decode(bytes: &[u8], path: &Path) -> Result<Waveform, AudioError> {
    let path = path.to_path_buf();
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(bytes)),
        MediaSourceStreamOptions::default(),
    );
    let mut format = symphonia::default::get_probe()
        .probe(
            &Hint::new(),
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| classify(e, &path, Stage::Probe))?;

    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudioTrack { path: path.clone() })?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::NoAudioTrack { path: path.clone() })?
        .clone();
    let track_id = track.id;
    let declared_frames = track.num_frames;

    let rate = params.sample_rate.unwrap_or(0);
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(AudioError::InvalidSampleRate { path, rate });
    }
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(AudioError::InvalidChannels { path, channels });
    }

    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| classify(e, &path, Stage::Codec))?;

    // A capacity hint only: never trust a header for more than the bytes can hold.
    let hint = declared_frames.unwrap_or(0).min(bytes.len() as u64) as usize;
    let track = Track {
        id: track_id,
        channels,
        hint,
    };
    let mono = read_mono(format.as_mut(), decoder.as_mut(), &track, &path)?;
    check_samples(&mono, declared_frames, &path)?;
    Ok(Waveform {
        samples: mono,
        sample_rate: rate,
        channels,
        source: path,
    })
}

/// The audio track being decoded: its id, channel count and a capacity hint in frames.
struct Track {
    id: u32,
    channels: usize,
    hint: usize,
}

/// Decodes every packet of `track` and down-mixes it to mono.
fn read_mono(
    format: &mut dyn FormatReader,
    decoder: &mut dyn AudioDecoder,
    track: &Track,
    path: &Path,
) -> Result<Vec<f32>, AudioError> {
    let mut mono: Vec<f32> = Vec::with_capacity(track.hint);
    let mut interleaved: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) | Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(classify(e, path, Stage::Data)),
        };
        if packet.track_id != track.id {
            continue;
        }
        let buffer = decoder
            .decode(&packet)
            .map_err(|e| classify(e, path, Stage::Data))?;
        let buffer_channels = buffer.spec().channels().count();
        if buffer_channels != track.channels {
            return Err(AudioError::Malformed {
                path: path.to_path_buf(),
                detail: format!(
                    "packet has {buffer_channels} channels, track has {}",
                    track.channels
                ),
            });
        }
        interleaved.resize(buffer.samples_interleaved(), 0.0);
        buffer.copy_to_slice_interleaved(&mut interleaved);
        downmix_into(&mut mono, &interleaved, track.channels);
    }
    Ok(mono)
}

/// Refuses decoded audio with fewer frames than the header declares, none at all, a NaN or
/// infinite sample, or a sample beyond [`MAX_SAMPLE_MAGNITUDE`].
fn check_samples(
    mono: &[f32],
    declared_frames: Option<u64>,
    path: &Path,
) -> Result<(), AudioError> {
    let path = path.to_path_buf();
    if let Some(declared) = declared_frames
        && (mono.len() as u64) < declared
    {
        return Err(AudioError::Truncated {
            path,
            detail: format!(
                "header declares {declared} frames, data holds {}",
                mono.len()
            ),
        });
    }
    if mono.is_empty() {
        return Err(AudioError::NoSamples { path });
    }
    if let Some(frame) = mono.iter().position(|x| !x.is_finite()) {
        return Err(AudioError::NonFiniteSample { path, frame });
    }
    if let Some(frame) = mono.iter().position(|x| x.abs() > MAX_SAMPLE_MAGNITUDE) {
        return Err(AudioError::SampleOutOfRange {
            path,
            frame,
            value: mono[frame],
        });
    }
    Ok(())
}

/// Appends the per-frame channel mean of `interleaved` (`channels` samples per frame) to `mono`.
fn downmix_into(mono: &mut Vec<f32>, interleaved: &[f32], channels: usize) {
    if channels == 1 {
        mono.extend_from_slice(interleaved);
    } else {
        let scale = 1.0 / channels as f32;
        mono.extend(
            interleaved
                .chunks_exact(channels)
                .map(|f| f.iter().sum::<f32>() * scale),
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Recognising the container and reading its header.
    Probe,
    /// Creating the decoder for the track's codec.
    Codec,
    /// Reading and decoding packets.
    Data,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Probe => "header",
            Stage::Codec => "codec setup",
            Stage::Data => "sample data",
        }
    }
}

/// Turns a symphonia error at `stage` into an [`AudioError`] for `path`.
fn classify(error: SymphoniaError, path: &Path, stage: Stage) -> AudioError {
    let path: PathBuf = path.to_path_buf();
    let detail = error.to_string();
    match error {
        SymphoniaError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Truncated {
                path,
                detail: format!("{} ends early", stage.name()),
            }
        }
        SymphoniaError::Unsupported(what) => {
            if stage == Stage::Probe && what.contains("no suitable format reader") {
                AudioError::UnsupportedFormat { path, detail }
            } else {
                AudioError::UnsupportedCodec { path, detail }
            }
        }
        _ => AudioError::Malformed {
            path,
            detail: format!("{}: {detail}", stage.name()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downmix_averages_channels() {
        let mut mono = vec![];
        downmix_into(&mut mono, &[1.0, 0.0, 0.5, -0.5, 1.0, 1.0], 2);
        assert_eq!(mono, [0.5, 0.0, 1.0]);
        downmix_into(&mut mono, &[0.25], 1);
        assert_eq!(mono, [0.5, 0.0, 1.0, 0.25]);
    }

    #[test]
    fn empty_and_garbage_bytes_are_typed_errors() {
        assert!(matches!(
            decode_bytes(&[], "x.wav"),
            Err(AudioError::EmptyFile { .. })
        ));
        let err = decode_bytes(b"this is not audio at all, just text", "notes.wav").unwrap_err();
        assert!(matches!(err, AudioError::UnsupportedFormat { .. }), "{err}");
        assert!(err.to_string().contains("notes.wav"), "{err}");
    }

    #[test]
    fn a_decoder_panic_is_its_own_error_naming_the_file_and_the_panic() {
        let err = without_panics(Path::new("crash.wav"), || panic!("shift overflow")).unwrap_err();
        assert!(
            matches!(&err, AudioError::DecoderPanicked { reason, .. } if reason == "shift overflow"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "crash.wav: the audio decoder crashed on this file (a decoder bug): shift overflow"
        );
        let formatted = without_panics(Path::new("x.wav"), || panic!("{} channels", 33));
        assert!(
            formatted
                .unwrap_err()
                .to_string()
                .ends_with(": 33 channels")
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let err = decode_file("/definitely/not/here.wav").unwrap_err();
        assert!(matches!(err, AudioError::Io { .. }));
        assert!(err.to_string().contains("/definitely/not/here.wav"));
    }
}
