//! Paired differences: one row per group (e.g. architecture), one dot per pair, a zero line.

use plotters::coord::Shift;
use plotters::prelude::{Circle, Color, DrawingArea, DrawingBackend};

use super::canvas::{
    Align, DrawResult, GRID, INK, MARGIN, PALETTE, filled_box, text, text_width, title, title_width,
};
use super::{Figure, PlotError};

const FONT: f64 = 14.0;
const ROW: i32 = 40;
const PLOT_WIDTH: i32 = 520;

/// Differences (e.g. MTS minus standard accuracy, in points) of paired runs: a row of dots per
/// group, the group's mean as a bar, and a vertical line at zero. The axis is symmetric about
/// zero and fitted to the largest difference.
#[derive(Debug, Clone)]
pub struct DifferencePlot {
    /// The title line.
    pub title: String,
    /// The axis label (e.g. `MTS − standard test WA, points`).
    pub axis: String,
    /// Group label and its differences, top to bottom.
    pub rows: Vec<(String, Vec<f64>)>,
}

impl DifferencePlot {
    /// A plot of `rows`; fails when there is no finite difference.
    pub fn new(
        title: impl Into<String>,
        axis: impl Into<String>,
        rows: Vec<(String, Vec<f64>)>,
    ) -> Result<Self, PlotError> {
        let title = title.into();
        let finite = rows.iter().flat_map(|(_, d)| d).any(|d| d.is_finite());
        if !finite {
            return Err(PlotError::Empty(title));
        }
        Ok(Self {
            title,
            axis: axis.into(),
            rows,
        })
    }

    /// Half the axis range: the largest |difference| rounded up to a multiple of 5 (at least 5).
    fn half_range(&self) -> f64 {
        let max = self
            .rows
            .iter()
            .flat_map(|(_, d)| d)
            .filter(|d| d.is_finite())
            .fold(0.0f64, |m, d| m.max(d.abs()));
        ((max / 5.0).ceil() * 5.0).max(5.0)
    }

    fn label_width(&self) -> i32 {
        let widths = self.rows.iter().map(|(l, _)| text_width(l, FONT));
        widths.max().unwrap_or(0)
    }
}

impl Figure for DifferencePlot {
    fn size(&self) -> (u32, u32) {
        let width = 2 * MARGIN + self.label_width() + 12 + PLOT_WIDTH + 20;
        let height = 2 * MARGIN + 40 + self.rows.len() as i32 * ROW + 50;
        (width.max(title_width(&self.title)) as u32, height as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let half = self.half_range();
        let x0 = MARGIN + self.label_width() + 12;
        let (y0, y1) = (MARGIN + 40, MARGIN + 40 + self.rows.len() as i32 * ROW);
        let x = |v: f64| x0 + ((v + half) / (2.0 * half) * PLOT_WIDTH as f64).round() as i32;
        title(area, &self.title, MARGIN + 8)?;
        for tick in -2..=2 {
            let v = half * tick as f64 / 2.0;
            let color = if tick == 0 { &INK } else { &GRID };
            filled_box(area, (x(v), y0), (x(v) + 1, y1), color)?;
            let label = format!("{v:+.1}");
            text(
                area,
                &label,
                (x(v), y1 + 12),
                12.0,
                Align::Center,
                &INK,
                false,
            )?;
        }
        let mid = x0 + PLOT_WIDTH / 2;
        text(
            area,
            &self.axis,
            (mid, y1 + 34),
            FONT,
            Align::Center,
            &INK,
            false,
        )?;
        for (i, (label, differences)) in self.rows.iter().enumerate() {
            let y = y0 + i as i32 * ROW + ROW / 2;
            text(area, label, (x0 - 10, y), FONT, Align::Right, &INK, false)?;
            let color = PALETTE[i % PALETTE.len()];
            let finite: Vec<f64> = differences
                .iter()
                .copied()
                .filter(|d| d.is_finite())
                .collect();
            for d in &finite {
                area.draw(&Circle::new((x(*d), y), 5, color.mix(0.7).filled()))
                    .map_err(|e| e.to_string())?;
            }
            if !finite.is_empty() {
                let mean = finite.iter().sum::<f64>() / finite.len() as f64;
                filled_box(area, (x(mean) - 1, y - 12), (x(mean) + 1, y + 12), &INK)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_is_symmetric_and_fits_the_largest_difference() {
        assert!(matches!(
            DifferencePlot::new("t", "points", vec![("a1".into(), vec![f64::NAN])]),
            Err(PlotError::Empty(_))
        ));
        let plot = DifferencePlot::new(
            "t",
            "points",
            vec![("a1".into(), vec![-7.2, 3.0, f64::NAN])],
        )
        .unwrap();
        assert_eq!(plot.half_range(), 10.0);
        let small = DifferencePlot::new("t", "points", vec![("a1".into(), vec![0.4])]).unwrap();
        assert_eq!(small.half_range(), 5.0);
    }
}
