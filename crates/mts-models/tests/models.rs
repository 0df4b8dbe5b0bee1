//! Shapes, parameter counts and scale usage of every architecture in both variants, and each
//! model overfitting a tiny batch.

mod common;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use mts_core::ScaleSet;
use mts_models::{
    AlexNet, AlexNetConfig, Architecture, ConvKind, InMemorySet, SerModelConfig, SpectrogramSet,
    Trainer, TrainingConfig,
};

const CLASSES: usize = 4;

/// The smallest inputs each architecture accepts comfortably (with scales up to 2).
/// The device's random stream (`Device::seed`, initialisers, dropout) is shared by every test of
/// this process, and training reseeds it every epoch: a test whose outcome depends on its draws
/// holds this lock, so no other test reseeds or draws in the middle of it.
static DEVICE_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn exclusive_device() -> std::sync::MutexGuard<'static, ()> {
    DEVICE_RNG
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn input_size(architecture: Architecture) -> [usize; 2] {
    match architecture {
        Architecture::A1 | Architecture::A2 => [40, 20],
        Architecture::A3 => [50, 20],
        Architecture::A4 => [63, 63],
    }
}

fn mts() -> ConvKind {
    ConvKind::mts(ScaleSet::time(&[0.5, 1.0, 2.0]))
}

fn config(architecture: Architecture, conv: ConvKind) -> SerModelConfig {
    SerModelConfig::new(architecture, input_size(architecture), CLASSES).with_conv(conv)
}

/// Parameter counts worked out by hand for the test inputs and 4 classes.
fn expected_params(architecture: Architecture) -> usize {
    let dense = |inputs: usize, outputs: usize| inputs * outputs + outputs;
    let conv = |c_in: usize, c_out: usize, k: usize| c_in * c_out * k + c_out;
    match architecture {
        // conv 10x5 -> 31 x 16 positions.
        Architecture::A1 => conv(1, 1, 50) + dense(31 * 16, 200) + dense(200, CLASSES),
        Architecture::A2 => conv(1, 10, 50) + dense(10 * 31 * 16, 200) + dense(200, CLASSES),
        // conv1 -> 41 x 16, pool -> 20 x 8, conv2 -> 11 x 4.
        Architecture::A3 => {
            conv(1, 10, 50) + conv(10, 10, 50) + dense(10 * 11 * 4, 200) + dense(200, CLASSES)
        }
        Architecture::A4 => {
            conv(1, 64, 121)
                + conv(64, 192, 25)
                + conv(192, 384, 9)
                + conv(384, 256, 9)
                + conv(256, 256, 9)
                + dense(9216, 4096)
                + dense(4096, 4096)
                + dense(4096, CLASSES)
        }
    }
}

#[test]
fn parameter_counts_match_and_variants_are_equal() {
    let _rng = exclusive_device();
    let device = Device::flex();
    for architecture in Architecture::ALL {
        let standard = config(architecture, ConvKind::Standard).init(&device);
        let multi = config(architecture, mts()).init(&device);
        assert_eq!(
            standard.num_params(),
            expected_params(architecture),
            "{architecture}"
        );
        assert_eq!(multi.num_params(), standard.num_params(), "{architecture}");
    }
    // torchvision's AlexNet has 61 100 840 parameters with 3 input channels and 1000 classes.
    assert_eq!(
        expected_params(Architecture::A4),
        61_100_840 - 2 * 64 * 121 - 996 * 4097
    );
}

#[test]
fn paper_size_models_count_without_allocating() {
    let _rng = exclusive_device();
    // A2 on EMODB with the published 281 x 513 inputs: about 277 M parameters, counted lazily.
    let device = Device::flex();
    for conv in [ConvKind::Standard, mts()] {
        let model = SerModelConfig::new(Architecture::A2, [281, 513], 7)
            .with_conv(conv)
            .init(&device);
        assert_eq!(
            model.num_params(),
            510 + 1_384_480 * 200 + 200 + 200 * 7 + 7
        );
    }
}

#[test]
fn logits_and_scale_usage_shapes() {
    let _rng = exclusive_device();
    let device = Device::flex();
    for architecture in Architecture::ALL {
        let [time, freq] = input_size(architecture);
        let batch = if architecture == Architecture::A4 {
            1
        } else {
            2
        };
        let data = common::noise_set([time, freq], 1, batch, 3);
        for conv in [ConvKind::Standard, mts()] {
            let model = config(architecture, conv.clone()).init(&device);
            assert_eq!(model.input_size(), [time, freq]);
            assert_eq!(model.num_classes(), CLASSES);
            let input = common::input_batch(&data, batch, &device);
            let (logits, usage) = model.forward_with_usage(input.clone());
            assert_eq!(logits.dims(), [batch, CLASSES], "{architecture} {conv}");
            assert_eq!(model.forward(input).dims(), [batch, CLASSES]);
            assert_eq!(usage.len(), model.mts_layer_names().len());
            assert_eq!(
                model.mts_layer_names(),
                config(architecture, conv.clone()).mts_layer_names()
            );
            if !conv.is_mts() {
                assert!(usage.is_empty());
                continue;
            }
            // Output elements of each MTS layer for the test inputs.
            let elements: Vec<u64> = match architecture {
                Architecture::A1 => vec![2 * 31 * 16],
                Architecture::A2 => vec![2 * 10 * 31 * 16],
                Architecture::A3 => vec![2 * 10 * 41 * 16, 2 * 10 * 11 * 4],
                // conv1: (63 + 4 - 11) / 4 + 1 = 15; pool -> 7; conv2 keeps 7 x 7.
                Architecture::A4 => vec![64 * 15 * 15, 192 * 7 * 7],
            };
            let totals: Vec<u64> = usage.iter().map(|u| u.total()).collect();
            assert_eq!(totals, elements, "{architecture}");
            assert_eq!(model.mts_layers().len(), elements.len());
        }
    }
}

#[test]
fn alexnet_stride_bug_flag_only_changes_the_mts_variant() {
    let _rng = exclusive_device();
    let device = Device::flex();
    let data = common::noise_set([63, 63], 1, 1, 4);
    let buggy = config(Architecture::A4, mts())
        .with_published_conv1_stride_bug(true)
        .init(&device);
    let (logits, usage) = buggy.forward_with_usage(common::input_batch(&data, 1, &device));
    assert_eq!(logits.dims(), [1, CLASSES]);
    // Stride 1: (63 + 4 - 11) + 1 = 57 positions per axis instead of 15.
    assert_eq!(usage[0].total(), 64 * 57 * 57);
    assert_eq!(buggy.num_params(), expected_params(Architecture::A4));
    let standard = config(Architecture::A4, ConvKind::Standard)
        .with_published_conv1_stride_bug(true)
        .init(&device);
    let logits = standard.forward(common::input_batch(&data, 1, &device));
    assert_eq!(logits.dims(), [1, CLASSES]);
    assert!(
        config(Architecture::A4, mts())
            .with_published_conv1_stride_bug(true)
            .summary()
            .ends_with("published conv1 stride bug")
    );
}

#[test]
fn too_small_inputs_and_bad_scales_are_config_errors() {
    let _rng = exclusive_device();
    let device = Device::flex();
    // A3 with scale 2: conv2 sees 15 pooled frames, too few for its 20-frame branch kernel.
    let err = SerModelConfig::new(Architecture::A3, [40, 20], 4)
        .with_conv(mts())
        .try_init(&device)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("conv2: its input of [15, 8]"),
        "{err}"
    );
    let err = SerModelConfig::new(Architecture::A1, [40, 20], 4)
        .with_conv(ConvKind::mts(ScaleSet::time(&[0.05, 1.0])))
        .try_init(&device)
        .unwrap_err();
    assert!(
        err.to_string().starts_with("conv: scale #0 (0.05)"),
        "{err}"
    );
}

/// Trains on `data` alone (it is also the validation set) and returns the first training loss
/// and the lowest validation loss.
fn overfit(
    config: &SerModelConfig,
    data: &InMemorySet,
    learning_rate: f64,
    epochs: usize,
) -> (f64, f64) {
    let training = TrainingConfig::new()
        .with_learning_rate(learning_rate)
        .with_batch_size(data.len())
        .with_max_epochs(epochs)
        .with_patience(epochs)
        .with_seed(7);
    let outcome = Trainer::new(training, Device::flex())
        .fit(config, data, data)
        .unwrap();
    let first = outcome.history[0].train_loss;
    let best = outcome.best_valid_loss;
    (first, best)
}

#[test]
fn small_models_overfit_a_tiny_batch() {
    let _rng = exclusive_device();
    for architecture in [Architecture::A1, Architecture::A2, Architecture::A3] {
        let data = common::noise_set(input_size(architecture), CLASSES, 1, 11);
        for conv in [ConvKind::Standard, mts()] {
            let config = config(architecture, conv.clone());
            let (first, best) = overfit(&config, &data, 1e-3, 40);
            assert!(
                best <= 0.1 * first,
                "{architecture} {conv}: loss {first:.4} -> {best:.4}"
            );
        }
    }
}

/// AlexNet exactly as configured by default (4096-unit classifier, 57 M parameters, dropout 0.5
/// while training): at most 60 Adam steps (lr 1e-4) on one batch of 4 bring the inference-mode
/// loss down by 90% (measured: about 37 steps standard, 40 MTS; lr 3e-4 oscillates).
#[test]
fn alexnet_overfits_a_tiny_batch() {
    let _rng = exclusive_device();
    let device = Device::flex().autodiff();
    device.seed(5);
    let data = common::noise_set(input_size(Architecture::A4), CLASSES, 1, 12);
    let targets = Tensor::<1, Int>::from_data(TensorData::new(vec![0i64, 1, 2, 3], [4]), &device);
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    for conv in [ConvKind::Standard, mts()] {
        let mut model = AlexNetConfig::new(input_size(Architecture::A4), CLASSES)
            .with_conv(conv.clone())
            .init(&device);
        let mut optimizer = AdamConfig::new().init();
        let input = common::input_batch(&data, 4, &device);
        let eval_loss = |model: &AlexNet| -> f64 {
            let model = model.valid();
            let logits = model.forward(input.clone().without_autodiff());
            loss_fn
                .forward(logits, targets.clone().without_autodiff())
                .into_scalar::<f64>()
        };
        let first = eval_loss(&model);
        let mut best = first;
        for _ in 0..60 {
            let loss = loss_fn.forward(model.forward(input.clone()), targets.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-4, model, grads);
            best = best.min(eval_loss(&model));
            if best <= 0.1 * first {
                break;
            }
        }
        assert!(
            best <= 0.1 * first,
            "a4 {conv}: loss {first:.4} -> {best:.4}"
        );
    }
}

#[test]
fn scales_are_checked_against_the_real_mts_kernels_before_building() {
    let _rng = exclusive_device();
    let device = Device::flex();
    for architecture in Architecture::ALL {
        let model = config(architecture, mts()).init(&device);
        let kernels: Vec<[usize; 2]> = model.mts_layers().iter().map(|l| l.kernel_size()).collect();
        assert_eq!(kernels, architecture.mts_kernel_sizes(), "{architecture}");
        // 0.15 shrinks A4's 5 x 5 kernel to nothing but none of the 10-frame kernels; 0.09
        // shrinks every kernel. The check and the model agree on both.
        for factor in [0.15, 0.09] {
            let scales = ScaleSet::time(&[factor, 1.0]);
            let checked = architecture.check_scales(&scales);
            let built = config(architecture, ConvKind::mts(scales)).try_init(&device);
            assert_eq!(checked.is_err(), built.is_err(), "{architecture} {factor}");
            let shortest = architecture
                .mts_kernel_sizes()
                .iter()
                .map(|k| k[0])
                .min()
                .unwrap();
            let vanishes = (shortest as f64 * factor).floor() == 0.0;
            assert_eq!(checked.is_err(), vanishes, "{architecture} {factor}");
        }
    }
}
