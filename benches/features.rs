//! Benchmark of the audio front end (issue 3): decode + resample to 16 kHz + spectrogram of the
//! whole of EMODB, and of the same audio upsampled to 48 kHz (RAVDESS's rate).
//!
//! Run: `MTS_EMODB_DIR=../shared/data/emodb cargo bench --bench features` (the directory defaults
//! to `../shared/data/emodb` beside the repository). Reports the median wall time of several warm
//! runs on all cores (rayon) and on one core, as seconds and × real time, plus a per-stage
//! breakdown on one core.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mts_audio::{
    ContentScreen, ResamplerBank, SpectrogramConfig, Stft, Waveform, decode_file, extract_all,
};

const RUNS: usize = 5;

fn main() {
    let dir = std::env::var_os("MTS_EMODB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/emodb"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: no EMODB at {} (set MTS_EMODB_DIR)", dir.display());
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")))
        .collect();
    paths.sort();
    let config = SpectrogramConfig::paper();
    let threads = rayon::current_num_threads();

    // Decode once: total duration, and a warm page cache for the timed runs.
    let waveforms: Vec<Waveform> = paths
        .iter()
        .map(|p| decode_file(p).expect("EMODB decodes"))
        .collect();
    let seconds: f64 = waveforms.iter().map(Waveform::duration_seconds).sum();
    println!(
        "EMODB: {} files, {:.1} min of audio, {} rayon threads",
        paths.len(),
        seconds / 60.0,
        threads
    );

    // A progress bar on the first (warm-up) pass, as on any long job.
    let warm = extract_all(&paths, &config, Some(ContentScreen::default()), true).unwrap();
    assert!(warm.iter().all(Result::is_ok), "every EMODB file extracts");

    println!("| input | threads | median s | min s | x real time |");
    println!("|---|---|---|---|---|");
    report(
        "EMODB 16 kHz",
        threads,
        seconds,
        &time_extract(&paths, &config, threads),
    );
    report(
        "EMODB 16 kHz",
        1,
        seconds,
        &time_extract(&paths, &config, 1),
    );

    // The same audio at 48 kHz (upsampled with the crate's own resampler), written as 16-bit WAVs.
    let dir48 = std::env::temp_dir().join(format!("mts-bench-48k-{}", std::process::id()));
    std::fs::create_dir_all(&dir48).unwrap();
    let mut up = ResamplerBank::new(48_000).unwrap();
    let paths48: Vec<PathBuf> = waveforms
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let path = dir48.join(format!("{i:03}.wav"));
            write_wav16(&path, &up.resample(w).unwrap().samples, 48_000);
            path
        })
        .collect();
    extract_all(&paths48, &config, None, false).unwrap();
    report(
        "EMODB at 48 kHz",
        threads,
        seconds,
        &time_extract(&paths48, &config, threads),
    );
    report(
        "EMODB at 48 kHz",
        1,
        seconds,
        &time_extract(&paths48, &config, 1),
    );

    // Where the time goes, one core, 48 kHz input.
    let mut decode = Duration::ZERO;
    let mut resample = Duration::ZERO;
    let mut stft_time = Duration::ZERO;
    let mut bank = ResamplerBank::new(16_000).unwrap();
    let mut stft = Stft::new(config.clone()).unwrap();
    for path in &paths48 {
        let t = Instant::now();
        let w = decode_file(path).unwrap();
        decode += t.elapsed();
        let t = Instant::now();
        let w16 = bank.resample(&w).unwrap();
        resample += t.elapsed();
        let t = Instant::now();
        std::hint::black_box(stft.compute(&w16.samples));
        stft_time += t.elapsed();
    }
    println!();
    println!(
        "stages, 1 thread, 48 kHz input: decode {:.3} s, resample {:.3} s, STFT {:.3} s",
        decode.as_secs_f64(),
        resample.as_secs_f64(),
        stft_time.as_secs_f64()
    );
    std::fs::remove_dir_all(&dir48).ok();
}

/// Wall times of `RUNS` runs of [`extract_all`] over `paths` on a pool of `threads` threads.
fn time_extract(paths: &[PathBuf], config: &SpectrogramConfig, threads: usize) -> Vec<f64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            let out = pool.install(|| extract_all(paths, config, None, false).unwrap());
            let elapsed = t.elapsed().as_secs_f64();
            assert!(out.iter().all(Result::is_ok));
            std::hint::black_box(out);
            elapsed
        })
        .collect()
}

fn report(input: &str, threads: usize, audio_seconds: f64, times: &[f64]) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    println!(
        "| {input} | {threads} | {median:.3} | {:.3} | {:.0}x |",
        sorted[0],
        audio_seconds / median
    );
}

/// A mono 16-bit PCM WAV file.
fn write_wav16(path: &Path, samples: &[f32], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &x in samples {
        writer
            .write_sample((x.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .unwrap();
    }
    writer.finalize().unwrap();
}
