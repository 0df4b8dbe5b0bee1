//! [`FeatureExtractor`]: file → decode → screen → resample → STFT, and [`extract_all`] to run it
//! over many files on every core.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::{
    AudioError, ContentScreen, ResamplerBank, Spectrogram, SpectrogramConfig, Stft, Waveform,
    decode_bytes, decode_file,
};

/// The whole front end for one thread: decodes a file, screens its content, resamples it to
/// `config.sample_rate` and computes its spectrogram.
///
/// Keeps its FFT plan and one resampler per input rate between files; use one per thread.
#[derive(Debug)]
pub struct FeatureExtractor {
    stft: Stft,
    resamplers: ResamplerBank,
    screen: Option<ContentScreen>,
    speed: f64,
}

impl FeatureExtractor {
    /// An extractor for `config`, screening with [`ContentScreen::default`].
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] when `config` fails [`SpectrogramConfig::validate`].
    pub fn new(config: SpectrogramConfig) -> Result<Self, AudioError> {
        let resamplers = ResamplerBank::new(config.sample_rate)?;
        Ok(Self {
            stft: Stft::new(config)?,
            resamplers,
            screen: Some(ContentScreen::default()),
            speed: 1.0,
        })
    }

    /// Ko et al.'s speed perturbation: every waveform is played `factor` times faster (tempo and
    /// pitch change together; `factor < 1` slows down). Its samples are taken as recorded at
    /// `round(rate * factor)` Hz and resampled from there to `config.sample_rate` with the
    /// extractor's [`ResamplerBank`] (the effective factor is exact up to that rounding of the
    /// rate: `43200 / 48000` for 0.9 at 48 kHz). The default, 1, changes nothing. The factor is
    /// applied once, when the spectrogram is made ([`spectrogram`](Self::spectrogram) and the
    /// `extract_*` methods); [`waveform`](Self::waveform) gives the unperturbed audio.
    ///
    /// # Errors
    /// [`AudioError::InvalidConfig`] naming the factor when it is not a finite number > 0.
    pub fn with_speed(mut self, factor: f64) -> Result<Self, AudioError> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(AudioError::InvalidConfig(format!(
                "speed factor {factor} must be a finite number > 0"
            )));
        }
        self.speed = factor;
        Ok(self)
    }

    /// Replaces the content screen; `None` accepts silent and clipping-only recordings.
    pub fn with_screen(mut self, screen: Option<ContentScreen>) -> Self {
        self.screen = screen;
        self
    }

    /// The spectrogram configuration.
    pub fn config(&self) -> &SpectrogramConfig {
        self.stft.config()
    }

    /// Decodes and screens the file at `path` and resamples it to `config.sample_rate`.
    ///
    /// # Errors
    /// Any [`AudioError`] of [`decode_file`], [`ContentScreen::check`] or
    /// [`ResamplerBank::resample`], naming `path`.
    pub fn waveform(&mut self, path: impl AsRef<Path>) -> Result<Waveform, AudioError> {
        let decoded = decode_file(path)?;
        self.prepare(decoded)
    }

    /// The spectrogram of the file at `path`, shape `[frames, config.n_bins()]` with
    /// `frames = config.frames_for_samples(resampled length)`.
    ///
    /// # Errors
    /// As [`waveform`](Self::waveform), plus [`AudioError::TooShort`] when un-centred framing
    /// leaves no frame.
    pub fn extract_file(&mut self, path: impl AsRef<Path>) -> Result<Spectrogram, AudioError> {
        let waveform = self.waveform(path)?;
        self.spectrogram(&waveform)
    }

    /// The spectrogram of an in-memory file; `name` stands for it in errors.
    ///
    /// # Errors
    /// As [`extract_file`](Self::extract_file).
    pub fn extract_bytes(
        &mut self,
        bytes: &[u8],
        name: impl AsRef<Path>,
    ) -> Result<Spectrogram, AudioError> {
        let waveform = self.prepare(decode_bytes(bytes, name)?)?;
        self.spectrogram(&waveform)
    }

    /// The spectrogram of `waveform`, resampled first if it is not at `config.sample_rate`.
    ///
    /// # Errors
    /// [`AudioError::InvalidSampleRate`] / [`AudioError::Resample`] from resampling,
    /// [`AudioError::TooShort`] when un-centred framing leaves no frame.
    pub fn spectrogram(&mut self, waveform: &Waveform) -> Result<Spectrogram, AudioError> {
        let waveform = self.at_target_rate(waveform, self.speed)?;
        let spectrogram = self.stft.compute(&waveform.samples);
        if spectrogram.frames() == 0 {
            return Err(AudioError::TooShort {
                path: waveform.source.clone(),
                samples: waveform.samples.len(),
                needed: self.config().n_fft,
            });
        }
        Ok(spectrogram)
    }

    fn prepare(&mut self, decoded: Waveform) -> Result<Waveform, AudioError> {
        if let Some(screen) = &self.screen {
            screen.check(&decoded)?;
        }
        // At speed 1 here: the speed factor is applied once, by `spectrogram`.
        Ok(self.at_target_rate(&decoded, 1.0)?.into_owned())
    }

    /// `waveform` at `config.sample_rate`, sped up by `speed`: borrowed when it is there
    /// already at speed 1.
    fn at_target_rate<'w>(
        &mut self,
        waveform: &'w Waveform,
        speed: f64,
    ) -> Result<Cow<'w, Waveform>, AudioError> {
        let waveform = if speed == 1.0 {
            Cow::Borrowed(waveform)
        } else {
            Cow::Owned(Waveform {
                sample_rate: (f64::from(waveform.sample_rate) * speed).round() as u32,
                ..waveform.clone()
            })
        };
        if waveform.sample_rate == self.config().sample_rate {
            Ok(waveform)
        } else {
            Ok(Cow::Owned(self.resamplers.resample(&waveform)?))
        }
    }
}

/// Computes the spectrograms of `paths` in parallel (rayon, one [`FeatureExtractor`] per worker
/// thread), in input order, one result per path.
///
/// With `progress` a progress bar is drawn on standard error (hidden when it is not a terminal).
///
/// # Errors
/// [`AudioError::InvalidConfig`] when `config` is invalid; per-file failures are the `Err`
/// entries of the returned vector.
pub fn extract_all(
    paths: &[PathBuf],
    config: &SpectrogramConfig,
    screen: Option<ContentScreen>,
    progress: bool,
) -> Result<Vec<Result<Spectrogram, AudioError>>, AudioError> {
    // Validate once up front so workers cannot fail to build their extractor.
    FeatureExtractor::new(config.clone())?;
    let bar = if progress {
        let bar = ProgressBar::new(paths.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} files ({eta} left)",
        ) {
            bar.set_style(style);
        }
        bar.set_message("spectrograms");
        bar
    } else {
        ProgressBar::hidden()
    };
    let results = paths
        .par_iter()
        .map_init(
            || FeatureExtractor::new(config.clone()).map(|extractor| extractor.with_screen(screen)),
            |extractor, path| {
                let result = match extractor {
                    Ok(extractor) => extractor.extract_file(path),
                    Err(e) => Err(AudioError::InvalidConfig(e.to_string())),
                };
                bar.inc(1);
                result
            },
        )
        .collect();
    bar.finish_and_clear();
    Ok(results)
}
