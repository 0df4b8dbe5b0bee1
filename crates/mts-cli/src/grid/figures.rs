//! The report's figures, per corpus and front end: test WA of the chosen standard and MTS
//! models, paired differences, scale usage, and learning curves.

use std::path::{Path, PathBuf};

use super::record::RunRecord;
use super::report::{CellReport, ChosenModel, Report};
use super::select::{Cell, candidate};
use crate::plot::{
    Curve, CurvesPlot, DifferencePlot, PlotError, ScaleUsagePlot, ScoreBar, ScoreBars,
    write_png_and_svg,
};

/// Writes every figure of `report` into `dir` (PNG and SVG each) and returns their paths:
/// `wa`, `differences` (when any pair finished), `scale_usage` (when an MTS model was chosen)
/// and `curves`, each suffixed `-<corpus>-<front end>` when the report has more than one.
pub fn write_figures(
    report: &Report,
    records: &[RunRecord],
    dir: &Path,
) -> Result<Vec<PathBuf>, PlotError> {
    let mut groups: Vec<(String, String)> = Vec::new();
    for cell in &report.cells {
        let key = (
            cell.cell.corpus.slug().to_string(),
            cell.cell.front_end.to_string(),
        );
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    let mut written = Vec::new();
    for (corpus, front_end) in &groups {
        let cells: Vec<&CellReport> = report
            .cells
            .iter()
            .filter(|c| {
                c.cell.corpus.slug() == corpus && c.cell.front_end.to_string() == *front_end
            })
            .collect();
        let suffix = if groups.len() > 1 {
            format!("-{corpus}-{front_end}")
        } else {
            String::new()
        };
        let name = format!("{corpus} ({front_end} front end)");
        written.extend(write_png_and_svg(
            &wa_bars(&cells, &name)?,
            dir,
            &format!("wa{suffix}"),
        )?);
        let rows: Vec<(String, Vec<f64>)> = cells
            .iter()
            .filter(|c| !c.pairs.is_empty())
            .map(|c| {
                let d = c.pairs.iter().map(|p| 100.0 * (p.mts_wa - p.standard_wa));
                (c.cell.model_name(), d.collect())
            })
            .collect();
        if !rows.is_empty() {
            let title = format!("MTS − standard per seed and fold on {name}");
            let plot = DifferencePlot::new(title, "test WA difference, points", rows)?;
            written.extend(write_png_and_svg(
                &plot,
                dir,
                &format!("differences{suffix}"),
            )?);
        }
        let usage: Vec<_> = cells
            .iter()
            .filter_map(|c| c.mts.as_ref().map(|m| (c.cell.model_name(), m)))
            .flat_map(|(model, m)| {
                let layers = m.usage.iter();
                layers.map(move |(layer, u)| (format!("{model} {layer}"), u.clone()))
            })
            .collect();
        if !usage.is_empty() {
            let plot =
                ScaleUsagePlot::new(format!("Scale usage on the {name} test splits"), usage)?;
            written.extend(write_png_and_svg(
                &plot,
                dir,
                &format!("scale_usage{suffix}"),
            )?);
        }
        let curves = learning_curves(&cells, records);
        let title = format!("Validation loss per epoch on {name} (chosen models)");
        let plot = CurvesPlot::new(title, "epoch", "validation loss", curves)?;
        written.extend(write_png_and_svg(&plot, dir, &format!("curves{suffix}"))?);
    }
    Ok(written)
}

/// `A1 standard`, `A1 MTS + tempo:0.7-1.428`: a cell's model of `kind` in a figure.
fn model_label(cell: &Cell, kind: &str) -> String {
    format!(
        "{} {kind}{}",
        cell.architecture,
        crate::augmentation_suffix(&cell.augmentation)
    )
}

fn wa_bars(cells: &[&CellReport], name: &str) -> Result<ScoreBars, PlotError> {
    let mut bars = Vec::new();
    for cell in cells {
        for (kind, model) in [("standard", &cell.standard), ("MTS", &cell.mts)] {
            if let Some(model) = model {
                bars.push(ScoreBar {
                    label: model_label(&cell.cell, kind),
                    mean: model.wa.mean,
                    std: model.wa.std,
                });
            }
        }
    }
    ScoreBars::new(
        format!("Test accuracy on {name}, validation-chosen models"),
        "WA % (mean ± std over seeds × folds)",
        bars,
    )
}

fn learning_curves(cells: &[&CellReport], records: &[RunRecord]) -> Vec<Curve> {
    let mut curves = Vec::new();
    for cell in cells {
        for (kind, model) in [("standard", &cell.standard), ("MTS", &cell.mts)] {
            let Some(ChosenModel {
                candidate: chosen, ..
            }) = model
            else {
                continue;
            };
            let runs = records
                .iter()
                .filter(|r| Cell::of(r) == cell.cell && candidate(r) == *chosen);
            for run in runs {
                let points = run.history.iter().map(|e| (e.epoch as f64, e.valid_loss));
                curves.push(Curve {
                    group: model_label(&cell.cell, kind),
                    points: points.collect(),
                });
            }
        }
    }
    curves
}
