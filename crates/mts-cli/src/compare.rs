//! Standard vs MTS: train several models on the same folds and tabulate their test scores.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn::tensor::Device;
use mts_core::ScaleUsage;
use mts_models::{
    Architecture, Augmentation, ConfusionMatrix, ConvKind, LayerUsage, ProgressReporter,
    TrainingConfig,
};
use serde::Serialize;

use crate::plot::{
    ConfusionPlot, PlotError, ScaleUsagePlot, ScoreBar, ScoreBars, write_png_and_svg,
};
use crate::{CliError, Experiment, LoadedData, augmentation_suffix, conv_name, run_experiment};

/// Which models to compare, on which folds.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Architectures, in table order.
    pub architectures: Vec<Architecture>,
    /// Convolution variants trained for every architecture, in table order.
    pub convs: Vec<ConvKind>,
    /// Training settings shared by every model.
    pub training: TrainingConfig,
    /// Training augmentation shared by every model.
    pub augmentation: Augmentation,
    /// Folds (indices) every model is trained and tested on.
    pub folds: Vec<usize>,
}

/// Mean and population standard deviation over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanStd {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation (0 for one fold).
    pub std: f64,
}

impl MeanStd {
    /// Mean and population standard deviation of `values` (0 and 0 for none).
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        Self {
            mean,
            std: var.sqrt(),
        }
    }
}

/// One line of the comparison table: a model's test scores over the folds.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// `A1 standard`, `A1 MTS (0.5, 1, 2)`, ...
    pub model: String,
    /// Number of folds.
    pub folds: usize,
    /// Unweighted average recall on the test splits.
    pub ua: MeanStd,
    /// Accuracy (weighted average recall) on the test splits.
    pub wa: MeanStd,
    /// Macro F1 on the test splits.
    pub macro_f1: MeanStd,
    /// Scale usage of each MTS layer on the test splits, counts summed over folds.
    pub scale_usage: Vec<(String, ScaleUsage)>,
    /// Test-split confusion matrix (per segment), counts summed over folds.
    pub confusion: ConfusionMatrix,
    /// Mean number of epochs trained.
    pub epochs: f64,
    /// Total seconds of training and testing.
    pub seconds: f64,
}

/// Trains and tests every architecture × convolution on every fold, printing one progress line
/// per epoch, and returns one row per model.
pub fn run_comparison(
    data: &LoadedData,
    comparison: &Comparison,
    device: &Device,
) -> Result<Vec<ComparisonRow>, CliError> {
    let mut rows = Vec::new();
    for &architecture in &comparison.architectures {
        for conv in &comparison.convs {
            let mut scores = (Vec::new(), Vec::new(), Vec::new());
            let mut usage: Vec<(String, ScaleUsage)> = Vec::new();
            let mut confusion: Option<ConfusionMatrix> = None;
            let (mut epochs, mut seconds) = (0usize, 0.0);
            for &fold in &comparison.folds {
                let experiment = Experiment {
                    architecture,
                    conv: conv.clone(),
                    training: comparison.training.clone(),
                    augmentation: comparison.augmentation.clone(),
                    fold,
                };
                println!("== {} on {} fold {fold}", experiment.name(), data.corpus);
                let result =
                    run_experiment(data, &experiment, device, ProgressReporter::auto(), None)?;
                let summary = &result.test.segments.summary;
                println!(
                    "   test: {summary} (best epoch {}, {:.0} s)",
                    result.best_epoch, result.seconds
                );
                scores.0.push(summary.unweighted_average_recall);
                scores.1.push(summary.accuracy);
                scores.2.push(summary.macro_f1);
                add_layer_usage(&mut usage, &result.test.scale_usage);
                let fold_confusion = &result.test.segments.confusion;
                match &mut confusion {
                    Some(total) => total.merge(fold_confusion),
                    None => confusion = Some(fold_confusion.clone()),
                }
                epochs += result.epochs;
                seconds += result.seconds;
            }
            let confusion = confusion.unwrap_or_else(|| ConfusionMatrix::new(data.class_names()));
            rows.push(ComparisonRow {
                model: format!(
                    "{architecture} {}{}",
                    conv_name(conv),
                    augmentation_suffix(&comparison.augmentation)
                ),
                folds: comparison.folds.len(),
                ua: MeanStd::of(&scores.0),
                wa: MeanStd::of(&scores.1),
                macro_f1: MeanStd::of(&scores.2),
                scale_usage: usage,
                confusion,
                epochs: epochs as f64 / comparison.folds.len().max(1) as f64,
                seconds,
            });
        }
    }
    Ok(rows)
}

/// Adds each layer's usage counts to the layer of the same name in `total` (appended when new).
/// Layers of the same name in runs of one model have the same scales.
pub(crate) fn add_layer_usage(total: &mut Vec<(String, ScaleUsage)>, layers: &[LayerUsage]) {
    for layer in layers {
        match total.iter_mut().find(|(name, _)| *name == layer.layer) {
            Some((_, sum)) => sum
                .merge(&layer.usage)
                .expect("the same layer has the same scales in every run of a model"),
            None => total.push((layer.layer.clone(), layer.usage.clone())),
        }
    }
}

pub(crate) fn percent(s: MeanStd) -> String {
    format!("{:.1} ± {:.1}", 100.0 * s.mean, 100.0 * s.std)
}

pub(crate) fn usage_text(usage: &[(String, ScaleUsage)]) -> String {
    if usage.is_empty() {
        return "–".to_string();
    }
    usage
        .iter()
        .map(|(layer, usage)| {
            let shares: Vec<String> = usage
                .iter()
                .map(|(scale, share)| format!("{scale}: {:.0}%", 100.0 * share))
                .collect();
            format!("{layer} {}", shares.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The comparison as a markdown table (UA and WA in percent, mean ± std over folds).
pub fn markdown_table(rows: &[ComparisonRow]) -> String {
    let mut out = String::from(
        "| model | folds | UA % | WA % | macro F1 | epochs | scale usage (test) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.1} | {} |",
            row.model,
            row.folds,
            percent(row.ua),
            percent(row.wa),
            row.macro_f1.mean,
            row.epochs,
            usage_text(&row.scale_usage)
        );
    }
    out
}

/// The comparison as CSV, one row per model.
pub fn csv_table(rows: &[ComparisonRow]) -> String {
    let mut out = String::from(
        "model,folds,ua_mean,ua_std,wa_mean,wa_std,macro_f1_mean,macro_f1_std,epochs,seconds,scale_usage\n",
    );
    for row in rows {
        let _ = writeln!(
            out,
            "\"{}\",{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.2},{:.1},\"{}\"",
            row.model,
            row.folds,
            row.ua.mean,
            row.ua.std,
            row.wa.mean,
            row.wa.std,
            row.macro_f1.mean,
            row.macro_f1.std,
            row.epochs,
            row.seconds,
            usage_text(&row.scale_usage)
        );
    }
    out
}

/// `A1 MTS (0.5, 1, 2)` → `a1-mts-0.5-1-2`: a file-name stem for a model.
pub fn file_stem(model: &str) -> String {
    let mut stem = String::new();
    for c in model.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    stem.trim_end_matches('-').to_string()
}

/// Writes the comparison's figures into `dir` as PNG and SVG and returns their paths:
/// `ua` (UA per model, mean ± std over folds, with the chance level), `scale_usage` (when any
/// model has MTS layers) and `confusion-<model>` (test confusion summed over folds) per model.
pub fn write_comparison_figures(
    rows: &[ComparisonRow],
    corpus: &str,
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = Vec::new();
    let bars = rows
        .iter()
        .map(|row| ScoreBar {
            label: row.model.clone(),
            mean: row.ua.mean,
            std: row.ua.std,
        })
        .collect();
    let folds = rows.first().map_or(0, |row| row.folds);
    let mut ua = ScoreBars::new(
        format!("Unweighted average recall on {corpus} ({folds} fold(s))"),
        "UA % on the test splits (mean ± std over folds)",
        bars,
    )?;
    if let Some(classes) = rows.first().map(|row| row.confusion.num_classes()) {
        ua = ua.with_chance(1.0 / classes.max(1) as f64);
    }
    written.extend(write_png_and_svg(&ua, dir, "ua")?);
    let usage: Vec<(String, ScaleUsage)> = rows
        .iter()
        .flat_map(|row| {
            let layers = row.scale_usage.iter();
            layers.map(|(layer, usage)| (format!("{} {layer}", row.model), usage.clone()))
        })
        .collect();
    if !usage.is_empty() {
        let title = format!("MTS scale usage on the {corpus} test splits");
        let plot = ScaleUsagePlot::new(title, usage)?;
        written.extend(write_png_and_svg(&plot, dir, "scale_usage")?);
    }
    for row in rows {
        let title = format!("{} on {corpus}: test splits", row.model);
        let plot = ConfusionPlot::new(row.confusion.clone(), title);
        let stem = format!("confusion-{}", file_stem(&row.model));
        written.extend(write_png_and_svg(&plot, dir, &stem)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mts_core::ScaleSet;

    fn row() -> ComparisonRow {
        let scales = ScaleSet::time(&[0.5, 1.0, 2.0]);
        ComparisonRow {
            model: "A1 MTS (0.5, 1, 2)".into(),
            folds: 2,
            ua: MeanStd::of(&[0.5, 0.7]),
            wa: MeanStd::of(&[0.6, 0.6]),
            macro_f1: MeanStd::of(&[0.4, 0.6]),
            scale_usage: vec![(
                "conv".into(),
                ScaleUsage::from_counts(scales, vec![1, 2, 1]).unwrap(),
            )],
            confusion: ConfusionMatrix::from_counts(
                vec!["calm".into(), "angry".into()],
                vec![vec![3, 1], vec![0, 4]],
            )
            .unwrap(),
            epochs: 12.5,
            seconds: 30.0,
        }
    }

    #[test]
    fn file_stems_are_plain() {
        assert_eq!(file_stem("A1 MTS (0.5, 1, 2)"), "a1-mts-0.5-1-2");
        assert_eq!(file_stem("A4 standard"), "a4-standard");
    }

    #[test]
    fn figures_are_written_for_every_model() {
        let dir = tempfile::tempdir().unwrap();
        let mut standard = row();
        standard.model = "A1 standard".into();
        standard.scale_usage.clear();
        let written =
            write_comparison_figures(&[standard, row()], "synthetic", dir.path()).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "ua.png",
                "ua.svg",
                "scale_usage.png",
                "scale_usage.svg",
                "confusion-a1-standard.png",
                "confusion-a1-standard.svg",
                "confusion-a1-mts-0.5-1-2.png",
                "confusion-a1-mts-0.5-1-2.svg"
            ]
        );
        let svg = std::fs::read_to_string(dir.path().join("ua.svg")).unwrap();
        assert!(
            svg.contains("A1 MTS (0.5, 1, 2)") && svg.contains("60.0 ± 10.0"),
            "{svg}"
        );
    }

    #[test]
    fn mean_and_population_std() {
        let s = MeanStd::of(&[0.5, 0.7]);
        assert!((s.mean - 0.6).abs() < 1e-12 && (s.std - 0.1).abs() < 1e-12);
    }

    #[test]
    fn markdown_and_csv_show_every_score() {
        let md = markdown_table(&[row()]);
        assert!(md.contains(
            "| A1 MTS (0.5, 1, 2) | 2 | 60.0 ± 10.0 | 60.0 ± 0.0 | 0.500 | 12.5 | conv 0.5: 25%, 1: 50%, 2: 25% |"
        ), "{md}");
        let csv = csv_table(&[row()]);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("\"A1 MTS (0.5, 1, 2)\",2,0.600000,0.100000"),
            "{csv}"
        );
    }
}
