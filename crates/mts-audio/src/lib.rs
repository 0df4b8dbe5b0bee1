//! Audio front end for `mts`: turns speech files into the spectrograms the models take.
//!
//! The pipeline follows the paper (Guizzo et al., ICASSP 2020) as decided for this project:
//!
//! 1. **Decode** by content with symphonia ([`decode_file`], [`decode_bytes`]): WAV and AIFF
//!    (8/16/24/32-bit integer, 32/64-bit float), FLAC / Ogg Vorbis behind the `flac` / `ogg`
//!    features; channels are averaged to mono ([`Waveform`]). Bad input is an [`AudioError`]
//!    naming the file, never a panic. [`ContentScreen`] rejects silent or clipping-only files.
//! 2. **Resample** to 16 kHz with rubato's synchronous FFT resampler, one per input rate,
//!    reused ([`ResamplerBank`]).
//! 3. **STFT** with realfft ([`Stft`], [`SpectrogramConfig`]): 320-sample periodic Hann window,
//!    160-sample hop, 161 magnitude bins, centred frames ([`SpectrogramConfig::paper`]); or the
//!    published code's 1024 / 512 / `|X|^(2/3)` ([`SpectrogramConfig::published_code`]).
//!    The result is a [`Spectrogram`]: frames × bins, `f32`, time running forward.
//! 4. **Length**: pad to the longest or to fixed seconds ([`LengthPolicy`]), or cut into 4 s
//!    windows with a 2 s hop that keep their utterance id ([`Segmenter`]).
//! 5. **Normalise** with statistics fitted on the training split only ([`Normalizer`], global
//!    or per bin, saved as JSON beside the model).
//!
//! The crate is signal processing only (no Burn): tensors are made where batches are, by
//! `mts-data`'s `SpectrogramBatcher` (`[batch, 1, time, freq]`).
//!
//! [`FeatureExtractor`] chains steps 1–3 for one thread; [`extract_all`] runs it over many files
//! on every core.
//!
//! ```no_run
//! use mts_audio::{FeatureExtractor, LengthPolicy, Normalizer, NormalizerMode, SpectrogramConfig};
//!
//! # fn main() -> Result<(), mts_audio::AudioError> {
//! let config = SpectrogramConfig::paper();
//! let mut extractor = FeatureExtractor::new(config.clone())?;
//! let train = vec![extractor.extract_file("03a01Fa.wav")?, extractor.extract_file("03a01Nc.wav")?];
//! let train = LengthPolicy::PadToLongest.apply(&config, &train)?;
//! let normalizer = Normalizer::fit(NormalizerMode::Global, &train)?;
//! normalizer.save("normalizer.json")?;
//! let train = train.iter().map(|s| normalizer.normalized(s)).collect::<Result<Vec<_>, _>>()?;
//! assert!(train.iter().all(|s| s.shape() == train[0].shape() && s.bins() == 161));
//! # Ok(())
//! # }
//! ```

mod config;
mod decode;
mod error;
mod extract;
mod length;
mod normalize;
mod resample;
mod segment;
mod spectrogram;
mod stft;
mod wav_header;
mod waveform;

pub use config::{PadMode, SpectrogramConfig};
pub use decode::{
    MAX_SAMPLE_MAGNITUDE, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, decode_bytes, decode_file,
};
pub use error::AudioError;
pub use extract::{FeatureExtractor, extract_all};
pub use length::LengthPolicy;
pub use normalize::{Normalizer, NormalizerMode};
pub use resample::ResamplerBank;
pub use segment::{Segment, Segmenter};
pub use spectrogram::Spectrogram;
pub use stft::Stft;
pub use wav_header::MAX_CHANNELS;
pub use waveform::{ContentScreen, Waveform};
