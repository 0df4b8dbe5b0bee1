//! The error type of the audio front end.

use std::path::PathBuf;

/// Everything that can go wrong between an audio file and a spectrogram.
///
/// Variants about one input carry `path`: the file's path, or for in-memory bytes the name the
/// caller gave them (see [`decode_bytes`](crate::decode_bytes)). No input makes this crate panic;
/// every problem is one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The file could not be opened or read (missing, a directory, no permission...).
    #[error("{}: cannot read file: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file holds zero bytes.
    #[error("{}: empty file (0 bytes)", path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The bytes are not in any container format this build can read (WAV, AIFF; FLAC and Ogg
    /// with the `flac` / `ogg` features).
    #[error("{}: unrecognised or unsupported container format: {detail}", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// What the demuxer reported.
        detail: String,
    },
    /// The container is readable but its audio codec is not supported (for example ADPCM or
    /// A-law in a WAV file).
    #[error("{}: unsupported audio codec: {detail}", path.display())]
    UnsupportedCodec {
        /// The file.
        path: PathBuf,
        /// What the decoder registry reported.
        detail: String,
    },
    /// The container has no audio track.
    #[error("{}: no audio track", path.display())]
    NoAudioTrack {
        /// The file.
        path: PathBuf,
    },
    /// The header or the sample data ends before it should.
    #[error("{}: truncated file: {detail}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Which part is missing.
        detail: String,
    },
    /// The bytes are in a known format but malformed.
    #[error("{}: malformed audio data: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What the demuxer or decoder reported.
        detail: String,
    },
    /// The decoder (symphonia) panicked on the file; the panic was caught. The file is unusable,
    /// like a [`Malformed`](Self::Malformed) one, but this is also a decoder bug worth reporting
    /// (and a check worth adding before the decoder, as for the channel count in `wav_header.rs`):
    /// the fuzz tests fail on it.
    #[error("{}: the audio decoder crashed on this file (a decoder bug): {reason}", path.display())]
    DecoderPanicked {
        /// The file.
        path: PathBuf,
        /// The panic's message.
        reason: String,
    },
    /// The sample rate is missing, zero, or outside
    /// [`MIN_SAMPLE_RATE`](crate::MIN_SAMPLE_RATE)..=[`MAX_SAMPLE_RATE`](crate::MAX_SAMPLE_RATE).
    #[error(
        "{}: invalid sample rate {rate} Hz (accepted: {}..={} Hz)",
        path.display(),
        crate::MIN_SAMPLE_RATE,
        crate::MAX_SAMPLE_RATE
    )]
    InvalidSampleRate {
        /// The file.
        path: PathBuf,
        /// The rate the header declares (0 when it declares none).
        rate: u32,
    },
    /// The channel count is zero or larger than [`MAX_CHANNELS`](crate::MAX_CHANNELS).
    #[error("{}: invalid channel count {channels}", path.display())]
    InvalidChannels {
        /// The file.
        path: PathBuf,
        /// The declared channel count.
        channels: usize,
    },
    /// The file decodes to zero samples.
    #[error("{}: no audio samples (zero-length audio)", path.display())]
    NoSamples {
        /// The file.
        path: PathBuf,
    },
    /// A decoded sample is NaN or infinite (possible only in floating-point files).
    #[error("{}: non-finite sample (NaN or infinity) at frame {frame}", path.display())]
    NonFiniteSample {
        /// The file.
        path: PathBuf,
        /// Index of the first offending frame (0-based, at the file's own rate).
        frame: usize,
    },
    /// A decoded sample's magnitude exceeds [`MAX_SAMPLE_MAGNITUDE`](crate::MAX_SAMPLE_MAGNITUDE)
    /// (possible only in floating-point files; full scale is 1).
    #[error(
        "{}: sample {value} at frame {frame} is beyond ±{} (full scale is 1)",
        path.display(),
        crate::MAX_SAMPLE_MAGNITUDE
    )]
    SampleOutOfRange {
        /// The file.
        path: PathBuf,
        /// Index of the first offending frame (0-based, at the file's own rate).
        frame: usize,
        /// The offending (down-mixed) value.
        value: f32,
    },
    /// Every sample is exactly zero (rejected by a [`ContentScreen`](crate::ContentScreen)).
    #[error("{}: digital silence (every sample is 0)", path.display())]
    Silent {
        /// The file.
        path: PathBuf,
    },
    /// Every sample sits at full scale (rejected by a [`ContentScreen`](crate::ContentScreen)):
    /// the recording holds clipping only, no usable signal.
    #[error("{}: clipping only (every sample at full scale)", path.display())]
    AllClipped {
        /// The file.
        path: PathBuf,
    },
    /// The audio is too short to fill one STFT frame (only with un-centred framing).
    #[error("{}: too short for one STFT frame ({samples} samples, need {needed})", path.display())]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Samples after resampling.
        samples: usize,
        /// Samples needed for one frame (the FFT length).
        needed: usize,
    },
    /// The resampler failed (reported by `rubato`).
    #[error("{}: resampling from {from_rate} Hz failed: {detail}", path.display())]
    Resample {
        /// The file.
        path: PathBuf,
        /// The input rate.
        from_rate: u32,
        /// What `rubato` reported.
        detail: String,
    },
    /// A configuration value is out of range (no file involved).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// Spectrograms given together do not have the same shape (no file involved).
    #[error(
        "spectrogram {index} has shape {found_frames}x{found_bins}, expected \
         {expected_frames}x{expected_bins} (frames x bins)"
    )]
    ShapeMismatch {
        /// Position of the offending spectrogram in the input.
        index: usize,
        /// Frames of the first spectrogram.
        expected_frames: usize,
        /// Bins of the first spectrogram.
        expected_bins: usize,
        /// Frames of the offending one.
        found_frames: usize,
        /// Bins of the offending one.
        found_bins: usize,
    },
    /// A [`Normalizer`](crate::Normalizer) could not be saved or loaded.
    #[error("{}: normalizer file: {detail}", path.display())]
    NormalizerFile {
        /// The file.
        path: PathBuf,
        /// What went wrong (I/O or JSON).
        detail: String,
    },
}

impl AudioError {
    /// The file (or in-memory source name) the error is about, if it is about one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            Self::Io { path, .. }
            | Self::EmptyFile { path }
            | Self::UnsupportedFormat { path, .. }
            | Self::UnsupportedCodec { path, .. }
            | Self::NoAudioTrack { path }
            | Self::Truncated { path, .. }
            | Self::Malformed { path, .. }
            | Self::DecoderPanicked { path, .. }
            | Self::InvalidSampleRate { path, .. }
            | Self::InvalidChannels { path, .. }
            | Self::NoSamples { path }
            | Self::NonFiniteSample { path, .. }
            | Self::SampleOutOfRange { path, .. }
            | Self::Silent { path }
            | Self::AllClipped { path }
            | Self::TooShort { path, .. }
            | Self::Resample { path, .. }
            | Self::NormalizerFile { path, .. } => Some(path),
            Self::InvalidConfig(_) | Self::ShapeMismatch { .. } => None,
        }
    }
}
