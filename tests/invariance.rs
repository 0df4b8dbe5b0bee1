//! The invariance MTS is about, on a case a reader can follow.
//!
//! A kernel is matched to a pattern: two cycles of a sine (a two-syllable rhythm), 16 frames
//! long. The input is noise with that pattern played slower (stretched to 32 frames) or faster
//! (compressed to 8 frames) in its middle. A plain Conv2d with the kernel responds weakly to the stretched or compressed
//! pattern, little more than to the noise; the MTS layer with scales (0.5, 1, 2) picks the
//! branch whose kernel matches the pattern's speed there, and stands out clearly from the
//! background.

mod common;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use mts::core::{BranchAlignment, MtsConv2d, MtsConv2dConfig};

const KERNEL_LEN: usize = 16;
const INPUT_LEN: usize = 200;
const PATTERN_START: usize = 90;
const NOISE: f32 = 0.35;

/// Two sine cycles over `len` frames (a two-syllable rhythm), sampled at frame centres.
fn cycle(len: usize) -> Vec<f32> {
    (0..len)
        .map(|t| (4.0 * std::f32::consts::PI * (t as f32 + 0.5) / len as f32).sin())
        .collect()
}

/// Uniform noise in `[-NOISE, NOISE]` from a fixed linear congruential generator.
fn noise(len: usize, seed: u64) -> Vec<f32> {
    common::uniform(len, seed)
        .into_iter()
        .map(|v| v * NOISE)
        .collect()
}

/// Noise with the kernel's pattern played at `speed` (2 = twice as long) from PATTERN_START.
fn input(speed: f64, seed: u64, device: &Device) -> Tensor<4> {
    let mut signal = noise(INPUT_LEN, seed);
    let pattern = cycle((KERNEL_LEN as f64 * speed) as usize);
    for (t, v) in pattern.iter().enumerate() {
        signal[PATTERN_START + t] += v;
    }
    Tensor::from_data(TensorData::new(signal, [1, 1, INPUT_LEN, 1]), device)
}

fn layer(scales: &[f64], alignment: BranchAlignment, device: &Device) -> MtsConv2d {
    let mut layer = MtsConv2dConfig::new([1, 1], [KERNEL_LEN, 1])
        .with_time_scales(scales)
        .with_bias(false)
        .with_alignment(alignment)
        .init(device);
    layer.weight = Param::from_data(
        TensorData::new(cycle(KERNEL_LEN), [1, 1, KERNEL_LEN, 1]),
        device,
    );
    layer
}

/// Output frames whose window `[j, j + KERNEL_LEN)` overlaps the pattern.
fn pattern_frames(speed: f64) -> std::ops::Range<usize> {
    let len = (KERNEL_LEN as f64 * speed) as usize;
    PATTERN_START + 1 - KERNEL_LEN..PATTERN_START + len
}

/// Peak response over the pattern divided by the peak response over the background (frames at
/// least one kernel length away from the pattern).
fn separation(response: &[f32], speed: f64) -> f32 {
    let pattern = pattern_frames(speed);
    let peak = response[pattern.clone()]
        .iter()
        .fold(f32::MIN, |m, &v| m.max(v));
    let background = response
        .iter()
        .enumerate()
        .filter(|(j, _)| *j + 2 * KERNEL_LEN < pattern.start || *j >= pattern.end + KERNEL_LEN)
        .fold(f32::MIN, |m, (_, &v)| m.max(v));
    peak / background
}

fn response(layer: &MtsConv2d, x: Tensor<4>) -> Vec<f32> {
    layer.forward(x).into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn mts_separates_stretched_and_compressed_patterns_better_than_conv2d() {
    let device = Device::flex();
    for alignment in [BranchAlignment::Stretch, BranchAlignment::Centered] {
        let conv = layer(&[1.0], alignment, &device);
        let mts = layer(&[0.5, 1.0, 2.0], alignment, &device);
        for speed in [0.5, 2.0] {
            let (mut conv_sum, mut mts_sum) = (0.0, 0.0);
            for seed in 1..=5 {
                let x = input(speed, seed, &device);
                let conv_sep = separation(&response(&conv, x.clone()), speed);
                let mts_sep = separation(&response(&mts, x), speed);
                eprintln!(
                    "{alignment:?} speed {speed} seed {seed}: separation Conv2d {conv_sep:.2}, MTS {mts_sep:.2}"
                );
                if speed == 2.0 {
                    // Slower speech: every noise draw, by a wide margin.
                    assert!(
                        mts_sep > 4.0 && mts_sep > 2.0 * conv_sep,
                        "{alignment:?}, speed {speed}, seed {seed}: MTS separation {mts_sep:.2} \
                         vs Conv2d {conv_sep:.2}"
                    );
                }
                conv_sum += conv_sep;
                mts_sum += mts_sep;
            }
            // Faster speech: the compressed kernel has half the taps and, without energy
            // renormalisation, half the matched response, so the gain is smaller; on average it
            // is still clear.
            assert!(
                mts_sum > 1.3 * conv_sum,
                "{alignment:?}, speed {speed}: mean separation MTS {:.2} vs Conv2d {:.2}",
                mts_sum / 5.0,
                conv_sum / 5.0
            );
        }
    }
}

#[test]
fn the_matching_branch_wins_around_the_pattern() {
    let device = Device::flex();
    for alignment in [BranchAlignment::Stretch, BranchAlignment::Centered] {
        let mts = layer(&[0.5, 1.0, 2.0], alignment, &device);
        for (speed, branch) in [(0.5, 0i64), (1.0, 1), (2.0, 2)] {
            for seed in 1..=5 {
                let (output, winners) = mts.forward_with_winners(input(speed, seed, &device));
                let output = output.into_data().try_to_vec::<f32>().unwrap();
                let winners: Vec<i64> = winners.into_data().iter::<i64>().collect();
                // The frame of the strongest response over the pattern, and its neighbours.
                let frames = pattern_frames(speed);
                let peak = frames
                    .clone()
                    .max_by(|&a, &b| output[a].total_cmp(&output[b]))
                    .unwrap();
                let around = peak.saturating_sub(1)..(peak + 2).min(output.len());
                let won = around.clone().filter(|&j| winners[j] == branch).count();
                eprintln!(
                    "{alignment:?} speed {speed} seed {seed}: peak {peak}, winners {:?}",
                    &winners[around.clone()]
                );
                assert!(
                    winners[peak] == branch && 2 * won > around.len(),
                    "{alignment:?}, speed {speed}, seed {seed}: winners {:?} around the peak {peak}, \
                     expected branch {branch}",
                    &winners[around]
                );
            }
        }
    }
}
