//! Evaluation of a model on a split: whole-split metrics, scale usage accumulated over batches,
//! per-utterance pooling and probabilities.

mod common;

use burn::tensor::Device;
use mts_core::ScaleSet;
use mts_models::{
    Architecture, ConvKind, DataError, Evaluator, InMemorySet, LabeledSpectrogram, SerModelConfig,
};

fn model_config() -> SerModelConfig {
    SerModelConfig::new(Architecture::A3, [50, 20], 3)
        .with_conv(ConvKind::mts(ScaleSet::time(&[0.5, 1.0, 2.0])))
}

#[test]
fn metrics_and_usage_do_not_depend_on_the_batch_size() {
    let device = Device::flex();
    device.seed(1);
    let model = model_config().init(&device);
    let data = common::noise_set([50, 20], 3, 3, 5);
    let names: Vec<String> = ["angry", "happy", "sad"].map(String::from).to_vec();
    let whole = Evaluator::new(device.clone())
        .with_batch_size(9)
        .with_class_names(names.clone())
        .evaluate(&model, &data)
        .unwrap();
    let batched = Evaluator::new(device.clone())
        .with_batch_size(2)
        .with_class_names(names.clone())
        .evaluate(&model, &data)
        .unwrap();
    assert_eq!(whole.segments.confusion, batched.segments.confusion);
    assert_eq!(whole.segments.confusion.total(), 9);
    assert_eq!(whole.segments.confusion.class_names(), names.as_slice());
    assert!((whole.loss - batched.loss).abs() < 1e-5);
    assert!(whole.utterances.is_none());

    // Usage counts every output element of both MTS layers over all 9 items.
    let layers: Vec<&str> = whole.scale_usage.iter().map(|l| l.layer.as_str()).collect();
    assert_eq!(layers, ["conv1", "conv2"]);
    assert_eq!(whole.scale_usage[0].usage.total(), 9 * 10 * 41 * 16);
    assert_eq!(whole.scale_usage[1].usage.total(), 9 * 10 * 11 * 4);
    assert_eq!(whole.scale_usage, batched.scale_usage);

    // The summary agrees with the confusion matrix, and the probabilities with the predictions.
    let summary = &whole.segments.summary;
    assert_eq!(summary.accuracy, whole.segments.confusion.accuracy());
    let probabilities = Evaluator::new(device).predict(&model, &data).unwrap();
    assert_eq!(probabilities.len(), 9);
    for row in &probabilities {
        assert_eq!(row.len(), 3);
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let text = whole.to_string();
    assert!(text.starts_with("segments:   UA "), "{text}");
    assert!(text.contains("scale usage conv2: scale 0.5: "), "{text}");
    let json = serde_json::to_value(&whole).unwrap();
    assert_eq!(json["segments"]["summary"]["items"], 9);
}

#[test]
fn segmented_utterances_are_also_scored_whole() {
    let device = Device::flex();
    let model = SerModelConfig::new(Architecture::A1, [40, 20], 2).init(&device);
    let noise = common::noise_set([40, 20], 2, 3, 8);
    // Six segments from three utterances of two segments each.
    let items: Vec<LabeledSpectrogram> = noise
        .items()
        .iter()
        .enumerate()
        .map(|(i, item)| {
            LabeledSpectrogram::new(item.features.clone(), (i / 2) % 2)
                .with_utterance(format!("utt{}", i / 2))
        })
        .collect();
    let data = InMemorySet::new([40, 20], items).unwrap();
    let evaluation = Evaluator::new(device.clone())
        .evaluate(&model, &data)
        .unwrap();
    assert_eq!(evaluation.segments.confusion.total(), 6);
    let utterances = evaluation.utterances.expect("utterance scores");
    assert_eq!(utterances.confusion.total(), 3);
    assert!(evaluation.scale_usage.is_empty());

    // The same data with inconsistent labels inside an utterance is an error.
    let mut items = data.items().to_vec();
    items[1].label = 1 - items[1].label;
    let mixed = InMemorySet::new([40, 20], items).unwrap();
    let err = Evaluator::new(device.clone())
        .evaluate(&model, &mixed)
        .unwrap_err();
    assert!(
        matches!(err, DataError::MixedUtteranceLabels { .. }),
        "{err}"
    );

    let wrong = common::noise_set([41, 20], 2, 1, 1);
    let err = Evaluator::new(device).evaluate(&model, &wrong).unwrap_err();
    assert!(matches!(err, DataError::InputSize { .. }), "{err}");
}
