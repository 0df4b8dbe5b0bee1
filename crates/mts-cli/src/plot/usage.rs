//! MTS scale usage: one stacked bar per (model, layer), a segment per scale.

use mts_core::ScaleUsage;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, WHITE};

use super::canvas::{
    Align, DrawResult, INK, MARGIN, PALETTE, filled_box, outline, text, text_width, title,
    title_width,
};
use super::{Figure, PlotError};

const FONT: f64 = 14.0;
const ROW: i32 = 36;
const PLOT_WIDTH: i32 = 520;

/// The share of output points won by each scale branch, one 100 % stacked bar per
/// (model, layer), segments coloured by scale (legend on top) and labelled with their share
/// when wide enough.
#[derive(Debug, Clone)]
pub struct ScaleUsagePlot {
    /// The title line.
    pub title: String,
    /// Bar label (e.g. `A2 MTS (0.5, 1, 2) conv`) and its usage, top to bottom.
    pub rows: Vec<(String, ScaleUsage)>,
}

impl ScaleUsagePlot {
    /// A plot of `rows`; fails when there is none or one has no counted points.
    pub fn new(
        title: impl Into<String>,
        rows: Vec<(String, ScaleUsage)>,
    ) -> Result<Self, PlotError> {
        let title = title.into();
        if rows.is_empty() {
            return Err(PlotError::Empty(title));
        }
        if let Some((label, _)) = rows.iter().find(|(_, usage)| usage.total() == 0) {
            return Err(PlotError::Empty(format!(
                "{title}: {label} counted no points"
            )));
        }
        Ok(Self { title, rows })
    }

    /// Every scale that occurs, in order of first appearance (one colour each).
    fn scales(&self) -> Vec<String> {
        let mut scales: Vec<String> = Vec::new();
        for (_, usage) in &self.rows {
            for (scale, _) in usage.iter() {
                let name = scale.to_string();
                if !scales.contains(&name) {
                    scales.push(name);
                }
            }
        }
        scales
    }

    fn label_width(&self) -> i32 {
        self.rows
            .iter()
            .map(|(l, _)| text_width(l, FONT))
            .max()
            .unwrap_or(0)
    }
}

impl Figure for ScaleUsagePlot {
    fn size(&self) -> (u32, u32) {
        let width = 2 * MARGIN + self.label_width() + 12 + PLOT_WIDTH;
        let height = 2 * MARGIN + 70 + self.rows.len() as i32 * ROW + 30;
        (width.max(title_width(&self.title)) as u32, height as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let scales = self.scales();
        let color = |name: &str| {
            let i = scales.iter().position(|s| s == name).unwrap_or(0);
            PALETTE[i % PALETTE.len()]
        };
        let x0 = MARGIN + self.label_width() + 12;
        title(area, &self.title, MARGIN + 8)?;
        let mut x = x0;
        text(
            area,
            "scale:",
            (x, MARGIN + 40),
            FONT,
            Align::Left,
            &INK,
            false,
        )?;
        x += text_width("scale:", FONT) + 8;
        for name in &scales {
            filled_box(area, (x, MARGIN + 32), (x + 16, MARGIN + 48), &color(name))?;
            text(
                area,
                name,
                (x + 22, MARGIN + 40),
                FONT,
                Align::Left,
                &INK,
                false,
            )?;
            x += 22 + text_width(name, FONT) + 18;
        }
        let y0 = MARGIN + 70;
        for (i, (label, usage)) in self.rows.iter().enumerate() {
            let top = y0 + i as i32 * ROW + 5;
            let bottom = top + ROW - 10;
            let mid = (top + bottom) / 2;
            text(area, label, (x0 - 10, mid), FONT, Align::Right, &INK, false)?;
            let mut left = 0.0;
            for (scale, share) in usage.iter() {
                let (a, b) = (
                    x0 + (left * PLOT_WIDTH as f64).round() as i32,
                    x0 + ((left + share) * PLOT_WIDTH as f64).round() as i32,
                );
                filled_box(area, (a, top), (b, bottom), &color(&scale.to_string()))?;
                let percent = format!("{:.0}%", 100.0 * share);
                if b - a > text_width(&percent, 12.0) + 6 {
                    text(
                        area,
                        &percent,
                        ((a + b) / 2, mid),
                        12.0,
                        Align::Center,
                        &WHITE,
                        true,
                    )?;
                }
                left += share;
            }
            outline(area, (x0, top), (x0 + PLOT_WIDTH, bottom), &INK)?;
        }
        let bottom = y0 + self.rows.len() as i32 * ROW;
        for (tick, label) in [(0, "0%"), (PLOT_WIDTH / 2, "50%"), (PLOT_WIDTH, "100%")] {
            text(
                area,
                label,
                (x0 + tick, bottom + 10),
                12.0,
                Align::Center,
                &INK,
                false,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mts_core::ScaleSet;

    #[test]
    fn scales_are_listed_once_in_order_and_empty_usage_is_refused() {
        let usage = |s: &[f64], c: Vec<u64>| ScaleUsage::from_counts(ScaleSet::time(s), c).unwrap();
        let plot = ScaleUsagePlot::new(
            "usage",
            vec![
                ("a".into(), usage(&[0.5, 1.0, 2.0], vec![1, 2, 3])),
                ("b".into(), usage(&[1.0, 1.5], vec![1, 1])),
            ],
        )
        .unwrap();
        assert_eq!(plot.scales(), ["0.5", "1", "2", "1.5"]);
        let err = ScaleUsagePlot::new("usage", vec![("a".into(), usage(&[1.0], vec![0]))]);
        assert_eq!(
            err.unwrap_err().to_string(),
            "usage: a counted no points: nothing to plot"
        );
    }
}
