//! MtsConv2d against Conv2d: forward, and forward + backward (a training step without the
//! optimiser), on one batch of 4 s spectrograms `[16, 1, 401, 161]`, 10 output channels, kernel
//! `[10, 5]`, 'same' padding, for the scale sets (0.7, 1, 1.428), (0.5, 1, 2) and
//! (0.5, 0.7, 1, 1.428, 2), on each CPU backend (and wgpu with `--features wgpu`).
//!
//! MTS cost is reported as a ratio to Conv2d measured in the same run: every repetition times
//! Conv2d and MTS back to back, so load from elsewhere on the machine hits both alike.
//!
//! ```text
//! cargo bench --bench mts_conv                      # all backends compiled in
//! cargo bench --bench mts_conv -- flex              # only backends whose name contains "flex"
//! MTS_BENCH_REPS=9 cargo bench --bench mts_conv     # more repetitions (default 5)
//! MTS_BENCH_ALLOCATOR=default cargo bench --bench mts_conv   # glibc untuned
//! ```
//!
//! Both branch alignments are measured. The allocator is tuned in-process
//! (`mts::core::tune_allocator`) unless `MTS_BENCH_ALLOCATOR=default`. The last line of the
//! output is one JSON object with every row's medians:
//!
//! ```text
//! {"bench":"mts_conv","rows":[{"backend":"flex","scales":[0.5,1.0,2.0],"alignment":"stretch",
//!   "allocator":"tuned","conv_fwd_ms":..,"mts_fwd_ms":..,"conv_step_ms":..,"mts_step_ms":..},..],
//!  "unit":[{"backend":"flex","allocator":"tuned","conv_step_ms":..,"unit_mts_step_ms":..},..]}
//! ```
//!
//! `unit` times the Conv2d's own convolution as a unit-scale MTS layer (the fused CPU path with
//! one branch), so that the MTS ratios can be read like for like.

mod common;
use common::{BenchArgs, allocator, compare, millis, ms};

use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::{Device, Distribution, Tensor};
use mts::core::{BranchAlignment, MtsConv2d, MtsConv2dConfig};

const INPUT: [usize; 4] = [16, 1, 401, 161];
const CHANNELS: [usize; 2] = [1, 10];
const KERNEL: [usize; 2] = [10, 5];
const SCALE_SETS: [&[f64]; 3] = [
    &[0.7, 1.0, 1.428],
    &[0.5, 1.0, 2.0],
    &[0.5, 0.7, 1.0, 1.428, 2.0],
];

fn backends() -> Vec<(&'static str, Device)> {
    #[allow(deprecated)]
    let ndarray = Device::ndarray();
    #[allow(unused_mut)]
    let mut backends = vec![("flex", Device::flex()), ("ndarray", ndarray)];
    #[cfg(feature = "wgpu")]
    backends.push((
        "wgpu",
        Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
    ));
    backends
}

fn forward_conv(conv: &Conv2d, x: &Tensor<4>) {
    let _ = conv.forward(x.clone()).into_data();
}

fn forward_mts(mts: &MtsConv2d, x: &Tensor<4>) {
    let _ = mts.forward(x.clone()).into_data();
}

fn step_conv(conv: &Conv2d, x: &Tensor<4>) {
    let grads = conv.forward(x.clone()).mean().backward();
    let _ = conv.weight.val().grad(&grads).expect("grad").into_data();
}

fn step_mts(mts: &MtsConv2d, x: &Tensor<4>) {
    let grads = mts.forward(x.clone()).mean().backward();
    let _ = mts.weight.val().grad(&grads).expect("grad").into_data();
}

fn main() {
    let allocator = allocator();
    let args = BenchArgs::from_env();
    let reps = args.reps;
    println!(
        "MtsConv2d vs Conv2d, input {INPUT:?}, channels {CHANNELS:?}, kernel {KERNEL:?}, \
         'same' padding, median of {reps} back-to-back repetitions, {} rayon threads, \
         {allocator} allocator",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!();
    println!(
        "| backend | scales | alignment | Conv2d fwd ms | MTS fwd ms | fwd ratio | Conv2d fwd+bwd ms | MTS fwd+bwd ms | fwd+bwd ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut rows = Vec::new();
    let mut units = Vec::new();
    for (name, device) in backends() {
        if !args.selects(name) {
            continue;
        }
        device.seed(0);
        let conv = Conv2dConfig::new(CHANNELS, KERNEL)
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        let x = Tensor::<4>::random(INPUT, Distribution::Normal(0.0, 1.0), &device);
        let train_device = device.clone().autodiff();
        let conv_train = Conv2dConfig::new(CHANNELS, KERNEL)
            .with_padding(PaddingConfig2d::Same)
            .init(&train_device);
        let x_train = x.clone().to_device(&train_device);
        // The same convolution as one unit-scale MTS branch: what the fused path costs for the
        // work a Conv2d does, so the ratios below can be read like for like.
        let unit = MtsConv2d::from_conv2d(conv_train.clone(), [1.0]).expect("a unit scale");
        let (conv_step, unit_step) = compare(
            &train_device,
            reps,
            || step_conv(&conv_train, &x_train),
            || step_mts(&unit, &x_train),
        );
        units.push(serde_json::json!({
            "backend": name,
            "allocator": allocator,
            "conv_step_ms": millis(conv_step),
            "unit_mts_step_ms": millis(unit_step),
        }));
        for scales in SCALE_SETS {
            for alignment in [BranchAlignment::Stretch, BranchAlignment::Centered] {
                let layer = |device: &Device| {
                    MtsConv2dConfig::new(CHANNELS, KERNEL)
                        .with_time_scales(scales)
                        .with_padding(PaddingConfig2d::Same)
                        .with_alignment(alignment)
                        .init(device)
                };
                let (mts, mts_train) = (layer(&device), layer(&train_device));
                let (conv_fwd, mts_fwd) = compare(
                    &device,
                    reps,
                    || forward_conv(&conv, &x),
                    || forward_mts(&mts, &x),
                );
                let (conv_step, mts_step) = compare(
                    &train_device,
                    reps,
                    || step_conv(&conv_train, &x_train),
                    || step_mts(&mts_train, &x_train),
                );
                let alignment = format!("{alignment:?}").to_lowercase();
                println!(
                    "| {name} | {scales:?} | {alignment} | {} | {} | {:.2}x | {} | {} | {:.2}x |",
                    ms(conv_fwd),
                    ms(mts_fwd),
                    mts_fwd.as_secs_f64() / conv_fwd.as_secs_f64(),
                    ms(conv_step),
                    ms(mts_step),
                    mts_step.as_secs_f64() / conv_step.as_secs_f64(),
                );
                rows.push(serde_json::json!({
                    "backend": name,
                    "scales": scales,
                    "alignment": alignment,
                    "allocator": allocator,
                    "conv_fwd_ms": millis(conv_fwd),
                    "mts_fwd_ms": millis(mts_fwd),
                    "conv_step_ms": millis(conv_step),
                    "mts_step_ms": millis(mts_step),
                }));
            }
        }
    }
    println!();
    println!(
        "| backend | Conv2d fwd+bwd ms | MtsConv2d scales [1] fwd+bwd ms (the same convolution) |"
    );
    println!("|---|---|---|");
    for unit in &units {
        println!(
            "| {} | {} | {} |",
            unit["backend"].as_str().unwrap_or_default(),
            unit["conv_step_ms"],
            unit["unit_mts_step_ms"]
        );
    }
    // Last line: the medians, for tools.
    println!(
        "{}",
        serde_json::json!({"bench": "mts_conv", "rows": rows, "unit": units})
    );
}
