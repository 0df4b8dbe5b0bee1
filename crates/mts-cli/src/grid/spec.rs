//! What an experiment grid is: its dimensions ([`GridSpec`]), the runs it expands to
//! ([`RunSpec`]), and deterministic slices of it for batch schedulers ([`Shard`]).

use std::fmt;
use std::str::FromStr;

use mts_core::{BranchAlignment, KernelResampling, KernelSharing, ScaleSet};
use mts_data::CorpusKind;
use mts_models::{Architecture, Augmentation, ConvKind, TrainingConfig};
use serde::{Deserialize, Serialize};

use crate::{CliError, FoldScheme, FrontEnd};

/// The scale sets of the published code's grid (mts-method.md section 2.6), by name.
pub const NAMED_SCALE_SETS: [(&str, &[f64]); 3] = [
    ("near", &[0.7, 1.0, 1.428]),
    ("far", &[0.5, 1.0, 2.0]),
    ("both", &[0.5, 0.7, 1.0, 1.428, 2.0]),
];

/// `near`, `far`, `both` or comma-separated factors (`0.5,1,2`).
pub fn parse_scale_set(text: &str) -> Result<Vec<f64>, String> {
    if let Some((_, scales)) = NAMED_SCALE_SETS.iter().find(|(name, _)| *name == text) {
        return Ok(scales.to_vec());
    }
    let scales = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            format!("bad scale set '{text}': use near, far, both or factors such as 0.5,1,2")
        })?;
    mts_core::MtsConv2dConfig::new([1, 1], [10, 5])
        .with_scales(ScaleSet::time(&scales))
        .validate()
        .map_err(|e| format!("bad scale set '{text}': {e}"))?;
    Ok(scales)
}

fn linear() -> KernelResampling {
    KernelResampling::Linear
}

fn no_augmentation() -> Vec<Augmentation> {
    vec![Augmentation::None]
}

fn is_no_augmentation(augmentations: &[Augmentation]) -> bool {
    augmentations == [Augmentation::None]
}

/// Every dimension of an experiment: the grid is the product of the lists. Saved as
/// `grid.json` in the experiment folder (no paths: the same grid runs on every machine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridSpec {
    /// Corpora.
    pub corpora: Vec<CorpusKind>,
    /// Audio front ends.
    pub front_ends: Vec<FrontEnd>,
    /// Architectures.
    pub architectures: Vec<Architecture>,
    /// Time-scale sets of the MTS variants (the standard variant is always trained).
    pub scale_sets: Vec<Vec<f64>>,
    /// Kernel-sharing modes of the MTS variants.
    pub sharings: Vec<KernelSharing>,
    /// Branch alignment of the MTS variants.
    pub alignment: BranchAlignment,
    /// Kernel resampling of the MTS variants (`Linear` when absent from `grid.json`).
    #[serde(default = "linear")]
    pub resampling: KernelResampling,
    /// L2 (coupled weight decay) values.
    pub l2s: Vec<f64>,
    /// Seeds: each draws the speaker folds and the model initialisation.
    pub seeds: Vec<u64>,
    /// Training augmentations, each trained with every convolution (`[none]` when absent from
    /// `grid.json`, and then not written, so grids without augmentation read as before).
    #[serde(
        default = "no_augmentation",
        skip_serializing_if = "is_no_augmentation"
    )]
    pub augmentations: Vec<Augmentation>,
    /// Number of speaker-independent folds per corpus; every fold is run. `None`: each
    /// scheme's own ([`FoldScheme::default_folds`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// How speakers are split into folds. `None` (and absent from `grid.json`): each corpus's
    /// own ([`FoldScheme::default_for`]: TESS cross-speaker, speaker folds otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fold_scheme: Option<FoldScheme>,
    /// Optimiser, batch size, epochs and patience (`weight_decay` and `seed` come from the grid).
    pub training: TrainingConfig,
}

impl GridSpec {
    /// Checks that no list is empty and every value is usable.
    pub fn validate(&self) -> Result<(), CliError> {
        let empty = |what: &str| Err(CliError::Usage(format!("the grid has no {what}")));
        if self.corpora.is_empty() {
            return empty("corpus");
        }
        if self.front_ends.is_empty() {
            return empty("front end");
        }
        if self.architectures.is_empty() {
            return empty("architecture");
        }
        if self.sharings.is_empty() && !self.scale_sets.is_empty() {
            return empty("kernel-sharing mode");
        }
        if self.l2s.is_empty() {
            return empty("L2 value");
        }
        if self.seeds.is_empty() {
            return empty("seed");
        }
        if self.augmentations.is_empty() {
            return empty("augmentation");
        }
        if self.folds == Some(0) {
            return empty("fold");
        }
        if let Some(bad) = self.l2s.iter().find(|l2| !(l2.is_finite() && **l2 >= 0.0)) {
            return Err(CliError::Usage(format!(
                "L2 {bad} must be finite and not negative"
            )));
        }
        for scales in &self.scale_sets {
            for architecture in &self.architectures {
                architecture.check_scales(&ScaleSet::time(scales))?;
            }
        }
        self.training
            .validate()
            .map_err(|e| CliError::Usage(e.to_string()))
    }

    /// The convolution variants every architecture is trained with: standard first, then each
    /// scale set under each sharing mode.
    pub fn convs(&self) -> Vec<ConvKind> {
        let mut convs = vec![ConvKind::Standard];
        for scales in &self.scale_sets {
            for &sharing in &self.sharings {
                convs.push(ConvKind::Mts {
                    scales: ScaleSet::time(scales),
                    sharing,
                    alignment: self.alignment,
                    resampling: self.resampling,
                });
            }
        }
        convs
    }

    /// The fold scheme and fold count of `corpus` in this grid.
    pub fn folds_of(&self, corpus: CorpusKind) -> (FoldScheme, usize) {
        let scheme = self.fold_scheme.unwrap_or(FoldScheme::default_for(corpus));
        (scheme, self.folds.unwrap_or(scheme.default_folds()))
    }

    /// Whether `other` trains the same runs: equal but for how folds were asked for, so that
    /// `--folds 4` and the default 4 are the same grid (and folders written before the
    /// defaults depended on the corpus still resume).
    pub fn same_runs(&self, other: &Self) -> bool {
        let unasked = |grid: &Self| Self {
            folds: None,
            fold_scheme: None,
            ..grid.clone()
        };
        unasked(self) == unasked(other) && self.runs() == other.runs()
    }

    /// Every run, in a fixed order: corpus, front end, seed (one data load each), then
    /// architecture, fold, augmentation, convolution and L2.
    pub fn runs(&self) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for &corpus in &self.corpora {
            let (fold_scheme, folds) = self.folds_of(corpus);
            for &front_end in &self.front_ends {
                for &seed in &self.seeds {
                    for &architecture in &self.architectures {
                        for fold in 0..folds {
                            for augmentation in &self.augmentations {
                                let run = RunSpec {
                                    corpus,
                                    front_end,
                                    architecture,
                                    conv: ConvKind::Standard,
                                    augmentation: augmentation.clone(),
                                    l2: 0.0,
                                    seed,
                                    fold,
                                    folds,
                                    fold_scheme,
                                };
                                runs.extend(self.variants_of(&run));
                            }
                        }
                    }
                }
            }
        }
        runs
    }

    /// `run` under every convolution and L2 of the grid, in that order.
    fn variants_of(&self, run: &RunSpec) -> Vec<RunSpec> {
        let mut runs = Vec::new();
        for conv in self.convs() {
            for &l2 in &self.l2s {
                runs.push(RunSpec {
                    conv: conv.clone(),
                    l2,
                    ..run.clone()
                });
            }
        }
        runs
    }

    /// Every speed-perturbation factor other than 1 of the grid's augmentations, once each (the
    /// features to compute besides the plain ones).
    pub fn extra_speeds(&self) -> Vec<f64> {
        let mut speeds: Vec<f64> = Vec::new();
        for speed in self
            .augmentations
            .iter()
            .flat_map(Augmentation::extra_speeds)
        {
            if !speeds.contains(&speed) {
                speeds.push(speed);
            }
        }
        speeds
    }

    /// The training settings of `run`: the grid's, with the run's L2 and seed.
    pub fn training_for(&self, run: &RunSpec) -> TrainingConfig {
        self.training
            .clone()
            .with_weight_decay(run.l2)
            .with_seed(run.seed)
    }
}

/// One training run of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The corpus.
    pub corpus: CorpusKind,
    /// The audio front end.
    pub front_end: FrontEnd,
    /// The architecture.
    pub architecture: Architecture,
    /// Standard or MTS (scales, sharing, alignment).
    pub conv: ConvKind,
    /// The training augmentation (absent from records: none).
    #[serde(default, skip_serializing_if = "Augmentation::is_none")]
    pub augmentation: Augmentation,
    /// L2 (coupled weight decay).
    pub l2: f64,
    /// Seed of the folds and of training.
    pub seed: u64,
    /// Fold index.
    pub fold: usize,
    /// Number of folds of the corpus.
    pub folds: usize,
    /// How speakers are split into folds (absent from records: `Speaker`).
    #[serde(default, skip_serializing_if = "is_speaker_folds")]
    pub fold_scheme: FoldScheme,
}

fn is_speaker_folds(scheme: &FoldScheme) -> bool {
    *scheme == FoldScheme::Speaker
}

impl RunSpec {
    /// The run's folder name, unique in its grid:
    /// `emodb-paper-a1-mts-0.5-1-2-shared-l2_0.001-seed0-fold3` (`...-seed0-window-fold3` for
    /// the published window's folds, `...-seed0-cross-speaker-fold1` for TESS cross-speaker,
    /// `...-shared-tempo0.7-1.428-l2_0...` for a run with augmentation; runs without keep the
    /// ids they always had).
    pub fn id(&self) -> String {
        let window = match self.fold_scheme {
            FoldScheme::Speaker => "",
            FoldScheme::PublishedWindow => "-window",
            FoldScheme::TessCrossSpeaker => "-cross-speaker",
        };
        format!(
            "{}-{}-{}-{}{}-l2_{}-seed{}{window}-fold{}",
            self.corpus.slug(),
            self.front_end,
            self.architecture,
            conv_slug(&self.conv),
            self.augmentation.slug(),
            self.l2,
            self.seed,
            self.fold
        )
    }
}

/// `standard`, or `mts-0.5-1-2-shared` (with `-centered` for centred branches and `-cubic` or
/// `-area` for another kernel resampling).
pub fn conv_slug(conv: &ConvKind) -> String {
    match conv {
        ConvKind::Standard => "standard".to_string(),
        ConvKind::Mts {
            scales,
            sharing,
            alignment,
            resampling,
        } => {
            let factors: Vec<String> = scales.iter().map(|s| s.time.to_string()).collect();
            let sharing = match sharing {
                KernelSharing::Shared => "shared",
                KernelSharing::Detached => "detached",
            };
            let alignment = match alignment {
                BranchAlignment::Stretch => "",
                BranchAlignment::Centered => "-centered",
            };
            let resampling = match resampling {
                KernelResampling::Linear => String::new(),
                KernelResampling::Cubic => "-cubic".into(),
                KernelResampling::Area => "-area".into(),
                KernelResampling::Custom(custom) => format!("-{}", custom.name()),
            };
            format!("mts-{}-{sharing}{alignment}{resampling}", factors.join("-"))
        }
    }
}

/// Slice `index` (from 1) of `count`: runs `index - 1`, `index - 1 + count`, ... of the grid's
/// order. The slices of `1/N .. N/N` are disjoint and cover the grid, so a batch-scheduler array
/// of N tasks runs it all, each task `--shard $TASK_ID/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which slice, 1..=count.
    pub index: usize,
    /// How many slices.
    pub count: usize,
}

impl Shard {
    /// The whole grid.
    pub const ALL: Self = Self { index: 1, count: 1 };

    /// The runs of `runs` in this slice, in order.
    pub fn select<T: Clone>(&self, runs: &[T]) -> Vec<T> {
        runs.iter()
            .skip(self.index - 1)
            .step_by(self.count)
            .cloned()
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with `1 <= K <= N`.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("bad shard '{text}': use K/N with 1 <= K <= N, e.g. 3/8");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index: usize = index.trim().parse().map_err(|_| bad())?;
        let count: usize = count.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A grid of 4 runs for tests: synthetic corpus, A1 standard and MTS (0.5, 1, 2), 2 folds.
#[cfg(test)]
pub(crate) fn tiny_grid() -> GridSpec {
    GridSpec {
        corpora: vec![CorpusKind::Synthetic],
        front_ends: vec![FrontEnd::Paper],
        architectures: vec![Architecture::A1],
        scale_sets: vec![vec![0.5, 1.0, 2.0]],
        sharings: vec![KernelSharing::Shared],
        alignment: BranchAlignment::Stretch,
        resampling: KernelResampling::Linear,
        l2s: vec![0.0],
        seeds: vec![0],
        augmentations: vec![Augmentation::None],
        folds: Some(2),
        fold_scheme: Some(FoldScheme::Speaker),
        training: TrainingConfig::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> GridSpec {
        GridSpec {
            corpora: vec![CorpusKind::Synthetic, CorpusKind::Emodb],
            front_ends: vec![FrontEnd::Paper],
            architectures: vec![Architecture::A1, Architecture::A3],
            scale_sets: vec![vec![0.7, 1.0, 1.428], vec![0.5, 1.0, 2.0]],
            sharings: vec![KernelSharing::Shared, KernelSharing::Detached],
            alignment: BranchAlignment::Stretch,
            resampling: KernelResampling::Linear,
            l2s: vec![0.0, 0.01],
            seeds: vec![0, 1, 2],
            augmentations: vec![Augmentation::None],
            folds: Some(4),
            fold_scheme: Some(FoldScheme::Speaker),
            training: TrainingConfig::new(),
        }
    }

    #[test]
    fn the_grid_is_the_product_of_its_lists_with_unique_ids() {
        let runs = grid().runs();
        // 2 corpora x 1 front end x 3 seeds x 2 archs x 4 folds x (1 + 2 x 2) convs x 2 L2.
        assert_eq!(runs.len(), 2 * 3 * 2 * 4 * 5 * 2);
        let ids: std::collections::BTreeSet<String> = runs.iter().map(RunSpec::id).collect();
        assert_eq!(ids.len(), runs.len());
        assert_eq!(
            runs[2].id(),
            "synthetic-paper-a1-mts-0.7-1-1.428-shared-l2_0-seed0-fold0"
        );
    }

    /// The published window's folds tag every run id; grids and records written before the
    /// scheme existed read as speaker folds, and speaker-fold records are written as before,
    /// so existing experiment folders keep their run ids and resume.
    #[test]
    fn the_fold_scheme_tags_run_ids_and_defaults_to_speaker_folds() {
        let mut window = grid();
        window.fold_scheme = Some(FoldScheme::PublishedWindow);
        let ids: Vec<String> = window.runs().iter().map(RunSpec::id).collect();
        assert!(ids.iter().all(|id| id.contains("-window-fold")));
        assert_eq!(
            ids[2],
            "synthetic-paper-a1-mts-0.7-1-1.428-shared-l2_0-seed0-window-fold0"
        );

        let mut old = serde_json::to_value(grid()).unwrap();
        old.as_object_mut().unwrap().remove("fold_scheme");
        let read: GridSpec = serde_json::from_value(old).unwrap();
        assert!(read.same_runs(&grid()));
        let run = grid().runs().remove(0);
        let json = serde_json::to_value(&run).unwrap();
        assert!(json.get("fold_scheme").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), run);
        let window_run = window.runs().remove(0);
        let json = serde_json::to_value(&window_run).unwrap();
        assert_eq!(json["fold_scheme"], "published-window");
        assert_eq!(serde_json::from_value::<RunSpec>(json).unwrap(), window_run);
    }

    /// An augmentation dimension trains every convolution under every augmentation; augmented
    /// runs are tagged, unaugmented ones keep exactly the ids (and records, and `grid.json`)
    /// they had before augmentation existed.
    #[test]
    fn augmentations_tag_run_ids_and_default_to_none() {
        let tempo: Augmentation = "tempo:0.7-1.428".parse().unwrap();
        let mut augmented = grid();
        augmented.augmentations = vec![Augmentation::None, tempo.clone()];
        let runs = augmented.runs();
        assert_eq!(runs.len(), 2 * grid().runs().len());
        let plain: Vec<String> = grid().runs().iter().map(RunSpec::id).collect();
        let (untagged, tagged): (Vec<&RunSpec>, Vec<&RunSpec>) =
            runs.iter().partition(|r| r.augmentation.is_none());
        let untagged: Vec<String> = untagged.iter().map(|r| r.id()).collect();
        assert_eq!(untagged, plain);
        assert!(tagged.iter().all(|r| r.augmentation == tempo));
        assert_eq!(
            tagged[2].id(),
            "synthetic-paper-a1-mts-0.7-1-1.428-shared-tempo0.7-1.428-l2_0-seed0-fold0"
        );
        let ids: std::collections::BTreeSet<String> = runs.iter().map(RunSpec::id).collect();
        assert_eq!(ids.len(), runs.len());

        let json = serde_json::to_value(grid()).unwrap();
        assert!(json.get("augmentations").is_none(), "{json}");
        assert_eq!(serde_json::from_value::<GridSpec>(json).unwrap(), grid());
        let json = serde_json::to_value(&augmented).unwrap();
        assert_eq!(json["augmentations"][1], "tempo:0.7-1.428");
        assert_eq!(serde_json::from_value::<GridSpec>(json).unwrap(), augmented);
        let json = serde_json::to_value(tagged[0]).unwrap();
        assert_eq!(json["augmentation"], "tempo:0.7-1.428");
        assert!(
            serde_json::to_value(&runs[0])
                .unwrap()
                .get("augmentation")
                .is_none()
        );

        let mut speeds = grid();
        speeds.augmentations = vec![
            "speed:0.9,1,1.1".parse().unwrap(),
            "speed:0.8,1.1".parse().unwrap(),
        ];
        assert_eq!(speeds.extra_speeds(), vec![0.9, 1.1, 0.8]);
        speeds.augmentations.clear();
        assert!(
            speeds
                .validate()
                .unwrap_err()
                .to_string()
                .contains("augmentation")
        );
    }

    /// Every committed run record (`docs/results/CORPUS/EXPERIMENT/runs`, and
    /// `docs/results/augment/CORPUS/runs`) still reads, and its run id is still its folder's
    /// name, so those experiment folders resume and report as before.
    #[test]
    fn committed_run_records_keep_their_ids() {
        let results = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/results");
        let folders = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
            std::fs::read_dir(dir)
                .map(|entries| entries.map(|e| e.unwrap().path()).collect())
                .unwrap_or_default()
        };
        let (mut checked, mut augmented) = (0, 0);
        let experiments = folders(&results)
            .into_iter()
            .flat_map(|corpus| folders(&corpus));
        for experiment in experiments {
            for dir in folders(&experiment.join("runs")) {
                if !dir.join(crate::grid::RECORD_FILE).is_file() {
                    continue;
                }
                let record = crate::grid::RunRecord::read(&dir).unwrap();
                assert_eq!(record.run.id(), dir.file_name().unwrap().to_str().unwrap());
                checked += 1;
                augmented += usize::from(!record.run.augmentation.is_none());
            }
        }
        assert!(checked >= 100, "{checked} records");
        // docs/results/augment: the tempo runs keep their tagged ids too.
        assert!(augmented >= 24, "{augmented} augmented records");
    }

    /// Folds and scheme not given: TESS gets its two cross-speaker folds, the other corpora 4
    /// speaker folds; a grid asking for the defaults by name is the same grid.
    #[test]
    fn each_corpus_gets_its_own_default_folds() {
        let mut defaults = grid();
        defaults.corpora = vec![CorpusKind::Emodb, CorpusKind::Tess];
        (defaults.folds, defaults.fold_scheme) = (None, None);
        let runs = defaults.runs();
        let folds = |corpus| {
            let of: Vec<&RunSpec> = runs.iter().filter(|r| r.corpus == corpus).collect();
            let max = of.iter().map(|r| r.fold).max().unwrap();
            (of[0].fold_scheme, of[0].folds, max)
        };
        assert_eq!(folds(CorpusKind::Emodb), (FoldScheme::Speaker, 4, 3));
        assert_eq!(
            folds(CorpusKind::Tess),
            (FoldScheme::TessCrossSpeaker, 2, 1)
        );
        let tess = runs.iter().find(|r| r.corpus == CorpusKind::Tess).unwrap();
        assert_eq!(
            tess.id(),
            "tess-paper-a1-standard-l2_0-seed0-cross-speaker-fold0"
        );
        let json = serde_json::to_value(tess).unwrap();
        assert_eq!(json["fold_scheme"], "tess-cross-speaker");

        let mut emodb = defaults.clone();
        emodb.corpora = vec![CorpusKind::Emodb];
        let mut named = emodb.clone();
        (named.folds, named.fold_scheme) = (Some(4), Some(FoldScheme::Speaker));
        assert!(named.same_runs(&emodb) && emodb.same_runs(&named));
        named.folds = Some(3);
        assert!(!named.same_runs(&emodb));
        let mut both = defaults.clone();
        both.folds = Some(4);
        assert!(!both.same_runs(&defaults), "TESS would get 4 folds");
    }

    #[test]
    fn shards_are_disjoint_and_cover_the_grid() {
        let runs: Vec<String> = grid().runs().iter().map(RunSpec::id).collect();
        for count in [1, 2, 7, 13, runs.len(), runs.len() + 5] {
            let mut seen = Vec::new();
            for index in 1..=count {
                let shard: Shard = format!("{index}/{count}").parse().unwrap();
                let slice = shard.select(&runs);
                assert!(slice.len() <= runs.len().div_ceil(count));
                seen.extend(slice);
            }
            seen.sort();
            let mut all = runs.clone();
            all.sort();
            assert_eq!(seen, all, "{count} shards");
        }
    }

    #[test]
    fn bad_shards_and_scale_sets_are_refused() {
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(parse_scale_set("far").unwrap(), vec![0.5, 1.0, 2.0]);
        assert_eq!(parse_scale_set("0.5, 1,2").unwrap(), vec![0.5, 1.0, 2.0]);
        assert!(parse_scale_set("0.5,x").unwrap_err().contains("0.5,x"));
        assert!(parse_scale_set("-1,1").is_err());
        let mut bad = grid();
        bad.l2s = vec![f64::NAN];
        assert!(bad.validate().unwrap_err().to_string().contains("NaN"));
        let mut none = grid();
        none.seeds.clear();
        assert_eq!(
            none.validate().unwrap_err().to_string(),
            CliError::Usage("the grid has no seed".into()).to_string()
        );
        grid().validate().unwrap();
    }
}
