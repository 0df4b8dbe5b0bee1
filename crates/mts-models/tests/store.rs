//! Model folders: save → load gives identical logits; bad folders give typed errors and saves
//! leave nothing half-written.

mod common;

use std::fs;
use std::path::Path;

use burn::tensor::Device;
use mts_core::{KernelSharing, ScaleSet};
use mts_models::{
    Architecture, CONFIG_FILE, ConvKind, ModelCard, ModelStoreError, SerModelConfig, WEIGHTS_FILE,
    load_model, read_config, save_model,
};

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn card(config: SerModelConfig) -> ModelCard {
    ModelCard::new(config)
        .with_class_names(["angry", "happy", "neutral", "sad"])
        .with_features(&serde_json::json!({"sample_rate": 16000, "hop": 160}))
        .unwrap()
        .with_normalizer(&serde_json::json!({"mean": 0.25, "std": 1.5}))
        .unwrap()
}

#[test]
fn save_then_load_gives_identical_logits() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let mts = ConvKind::Mts {
        scales: ScaleSet::time(&[0.7, 1.0, 1.428]),
        sharing: KernelSharing::Detached,
        alignment: mts_core::BranchAlignment::Centered,
        resampling: mts_core::KernelResampling::Cubic,
    };
    let configs = [
        SerModelConfig::new(Architecture::A1, [40, 20], 4),
        SerModelConfig::new(Architecture::A2, [40, 20], 4).with_conv(mts.clone()),
        SerModelConfig::new(Architecture::A3, [50, 20], 4).with_conv(mts.clone()),
        SerModelConfig::new(Architecture::A4, [63, 63], 4).with_conv(mts),
    ];
    for (i, config) in configs.into_iter().enumerate() {
        device.seed(i as u64);
        let model = config.init(&device);
        let data = common::noise_set(config.input_size, 1, 2, i as u64);
        let input = common::input_batch(&data, 2, &device);
        let before = common::logits(&model, input.clone());
        let folder = dir.path().join(format!("model-{i}"));
        let card = card(config.clone());
        save_model(&folder, &model, &card).unwrap();
        assert_eq!(names(&folder), vec![CONFIG_FILE, WEIGHTS_FILE]);
        let (loaded, loaded_card) = load_model(&folder, &device).unwrap();
        assert_eq!(loaded_card, card);
        assert_eq!(
            common::logits(&loaded, input),
            before,
            "{}",
            config.summary()
        );
        assert_eq!(common::parameters(&loaded), common::parameters(&model));
        let features: serde_json::Value = loaded_card.features().unwrap().unwrap();
        assert_eq!(features["hop"], 160);
    }
    // Only the model folders, no temporaries.
    assert_eq!(
        names(dir.path()),
        vec!["model-0", "model-1", "model-2", "model-3"]
    );
}

#[test]
fn saving_again_replaces_a_model_folder() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("model");
    let config = SerModelConfig::new(Architecture::A1, [40, 20], 4);
    let first = config.init(&device);
    save_model(&folder, &first, &card(config.clone())).unwrap();
    let second = config.init(&device);
    save_model(&folder, &second, &card(config)).unwrap();
    let (loaded, _) = load_model(&folder, &device).unwrap();
    assert_eq!(common::parameters(&loaded), common::parameters(&second));
    assert_eq!(names(dir.path()), vec!["model"]);
}

#[test]
fn bad_folders_give_typed_errors() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let config = SerModelConfig::new(Architecture::A1, [40, 20], 4);
    let model = config.init(&device);
    let good = dir.path().join("good");
    save_model(&good, &model, &card(config.clone())).unwrap();

    // Missing folder.
    let err = load_model(dir.path().join("missing"), &device).unwrap_err();
    assert!(
        matches!(err, ModelStoreError::NotAModelFolder { .. }),
        "{err}"
    );

    // A copy of the good folder with one file changed.
    let variant = |name: &str, file: &str, contents: &[u8]| {
        let folder = dir.path().join(name);
        fs::create_dir_all(&folder).unwrap();
        for entry in [CONFIG_FILE, WEIGHTS_FILE] {
            fs::copy(good.join(entry), folder.join(entry)).unwrap();
        }
        fs::write(folder.join(file), contents).unwrap();
        folder
    };
    let config_json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(good.join(CONFIG_FILE)).unwrap()).unwrap();
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json = config_json.clone();
        edit(&mut json);
        serde_json::to_vec(&json).unwrap()
    };

    let err = load_model(variant("garbage", CONFIG_FILE, b"{not json"), &device).unwrap_err();
    assert!(
        matches!(err, ModelStoreError::InvalidConfig { .. }),
        "{err}"
    );

    let other_format = edited(&|json| json["format"] = "something-else".into());
    let err = load_model(variant("format", CONFIG_FILE, &other_format), &device).unwrap_err();
    assert!(
        matches!(err, ModelStoreError::InvalidConfig { .. }),
        "{err}"
    );

    let no_model = edited(&|json| {
        json.as_object_mut().unwrap().remove("model");
    });
    let err = load_model(variant("no-model", CONFIG_FILE, &no_model), &device).unwrap_err();
    assert!(
        matches!(err, ModelStoreError::InvalidConfig { .. }),
        "{err}"
    );

    let future = edited(&|json| json["format_version"] = 99.into());
    let err = load_model(variant("future", CONFIG_FILE, &future), &device).unwrap_err();
    assert!(
        matches!(
            err,
            ModelStoreError::UnsupportedVersion {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );

    let one_class = edited(&|json| {
        json["model"]["num_classes"] = 1.into();
        json["class_names"] = serde_json::json!([]);
    });
    let err = load_model(variant("one-class", CONFIG_FILE, &one_class), &device).unwrap_err();
    assert!(matches!(err, ModelStoreError::Model(_)), "{err}");

    let names_mismatch = edited(&|json| json["class_names"] = serde_json::json!(["a"]));
    let err = load_model(variant("names", CONFIG_FILE, &names_mismatch), &device).unwrap_err();
    assert!(matches!(err, ModelStoreError::ClassNames { .. }), "{err}");

    // Weights that do not fit the configuration (5 classes instead of 4).
    let five = edited(&|json| {
        json["model"]["num_classes"] = 5.into();
        json["class_names"] = serde_json::json!([]);
    });
    let err = load_model(variant("five", CONFIG_FILE, &five), &device).unwrap_err();
    assert!(matches!(err, ModelStoreError::Weights { .. }), "{err}");

    let weights = fs::read(good.join(WEIGHTS_FILE)).unwrap();
    let err = load_model(
        variant("truncated", WEIGHTS_FILE, &weights[..weights.len() / 2]),
        &device,
    )
    .unwrap_err();
    assert!(matches!(err, ModelStoreError::Weights { .. }), "{err}");
    let err = load_model(
        variant("noise", WEIGHTS_FILE, b"not a burnpack file"),
        &device,
    )
    .unwrap_err();
    assert!(matches!(err, ModelStoreError::Weights { .. }), "{err}");

    let missing_weights = dir.path().join("no-weights");
    fs::create_dir_all(&missing_weights).unwrap();
    fs::copy(good.join(CONFIG_FILE), missing_weights.join(CONFIG_FILE)).unwrap();
    let err = load_model(&missing_weights, &device).unwrap_err();
    assert!(matches!(err, ModelStoreError::Weights { .. }), "{err}");

    assert!(read_config(&good).is_ok());
}

#[test]
fn saves_refuse_foreign_folders_and_mismatched_cards() {
    let device = Device::flex();
    let dir = tempfile::tempdir().unwrap();
    let config = SerModelConfig::new(Architecture::A1, [40, 20], 4);
    let model = config.init(&device);

    // A folder with someone else's files is never replaced.
    let foreign = dir.path().join("photos");
    fs::create_dir_all(&foreign).unwrap();
    fs::write(foreign.join("cat.jpg"), b"meow").unwrap();
    let err = save_model(&foreign, &model, &card(config.clone())).unwrap_err();
    assert!(
        matches!(err, ModelStoreError::WouldReplaceOther { .. }),
        "{err}"
    );
    assert_eq!(names(&foreign), vec!["cat.jpg"]);

    // A card for another model, or with the wrong number of class names.
    let other = SerModelConfig::new(Architecture::A1, [41, 20], 4);
    let err = save_model(dir.path().join("a"), &model, &card(other)).unwrap_err();
    assert!(matches!(err, ModelStoreError::CardMismatch { .. }), "{err}");
    let err = save_model(
        dir.path().join("b"),
        &model,
        &ModelCard::new(config.clone()).with_class_names(["x", "y"]),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "2 class names for a model with 4 classes");

    // An empty folder is fine.
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    save_model(&empty, &model, &card(config)).unwrap();
    assert_eq!(names(dir.path()), vec!["empty", "photos"]);
}
