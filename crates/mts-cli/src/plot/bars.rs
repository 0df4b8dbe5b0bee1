//! Scores of several models as horizontal bars with ± one standard deviation.

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, RGBColor};

use super::canvas::{
    Align, DrawResult, GRID, INK, MARGIN, PALETTE, filled_box, text, text_width, title, title_width,
};
use super::{Figure, PlotError};

const FONT: f64 = 14.0;
const ROW: i32 = 34;
const PLOT_WIDTH: i32 = 520;

/// One bar: a label and a score in [0, 1] with its spread.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreBar {
    /// What the bar is (a model).
    pub label: String,
    /// The score, a fraction in [0, 1] (drawn as a percentage).
    pub mean: f64,
    /// Its standard deviation (drawn as a whisker; 0 draws none).
    pub std: f64,
}

/// Horizontal bars of one score (e.g. UA) per model, 0–100 %, with ± std whiskers, the value
/// printed beside each bar, and an optional dashed chance level.
#[derive(Debug, Clone)]
pub struct ScoreBars {
    /// The title line.
    pub title: String,
    /// The axis label (e.g. `UA % on the test splits`).
    pub axis: String,
    /// The bars, top to bottom.
    pub bars: Vec<ScoreBar>,
    /// Chance level as a fraction (e.g. 1 / classes), drawn as a vertical line.
    pub chance: Option<f64>,
}

impl ScoreBars {
    /// Bars titled `title` with axis label `axis`; fails on no bars or a non-finite score.
    pub fn new(
        title: impl Into<String>,
        axis: impl Into<String>,
        bars: Vec<ScoreBar>,
    ) -> Result<Self, PlotError> {
        let title = title.into();
        if bars.is_empty() {
            return Err(PlotError::Empty(title));
        }
        if let Some(bad) = bars
            .iter()
            .find(|b| !b.mean.is_finite() || !b.std.is_finite())
        {
            return Err(PlotError::Empty(format!(
                "{title}: {} has no finite score",
                bad.label
            )));
        }
        Ok(Self {
            title,
            axis: axis.into(),
            bars,
            chance: None,
        })
    }

    /// Draws a chance line at `chance` (a fraction).
    pub fn with_chance(mut self, chance: f64) -> Self {
        self.chance = Some(chance);
        self
    }

    fn label_width(&self) -> i32 {
        self.bars
            .iter()
            .map(|b| text_width(&b.label, FONT))
            .max()
            .unwrap_or(0)
    }

    fn x(&self, x0: i32, value: f64) -> i32 {
        x0 + (value.clamp(0.0, 1.0) * PLOT_WIDTH as f64).round() as i32
    }
}

impl Figure for ScoreBars {
    fn size(&self) -> (u32, u32) {
        let width = 2 * MARGIN + self.label_width() + 12 + PLOT_WIDTH + 90;
        let height = 2 * MARGIN + 40 + self.bars.len() as i32 * ROW + 50;
        (width.max(title_width(&self.title)) as u32, height as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let x0 = MARGIN + self.label_width() + 12;
        let y0 = MARGIN + 40;
        let y1 = y0 + self.bars.len() as i32 * ROW;
        title(area, &self.title, MARGIN + 8)?;
        for tick in 0..=10 {
            let x = self.x(x0, tick as f64 / 10.0);
            filled_box(area, (x, y0), (x + 1, y1), &GRID)?;
            let label = format!("{}", tick * 10);
            text(area, &label, (x, y1 + 12), 12.0, Align::Center, &INK, false)?;
        }
        let axis_mid = x0 + PLOT_WIDTH / 2;
        text(
            area,
            &self.axis,
            (axis_mid, y1 + 34),
            FONT,
            Align::Center,
            &INK,
            false,
        )?;
        for (i, bar) in self.bars.iter().enumerate() {
            let top = y0 + i as i32 * ROW + 6;
            let bottom = top + ROW - 12;
            let mid = (top + bottom) / 2;
            text(
                area,
                &bar.label,
                (x0 - 10, mid),
                FONT,
                Align::Right,
                &INK,
                false,
            )?;
            let color = PALETTE[i % PALETTE.len()];
            filled_box(area, (x0, top), (self.x(x0, bar.mean), bottom), &color)?;
            if bar.std > 0.0 {
                let (lo, hi) = (
                    self.x(x0, bar.mean - bar.std),
                    self.x(x0, bar.mean + bar.std),
                );
                filled_box(area, (lo, mid - 1), (hi, mid + 1), &INK)?;
                filled_box(area, (lo, mid - 6), (lo + 2, mid + 6), &INK)?;
                filled_box(area, (hi - 2, mid - 6), (hi, mid + 6), &INK)?;
            }
            let value = if bar.std > 0.0 {
                format!("{:.1} ± {:.1}", 100.0 * bar.mean, 100.0 * bar.std)
            } else {
                format!("{:.1}", 100.0 * bar.mean)
            };
            let right = self.x(x0, bar.mean + bar.std).max(self.x(x0, bar.mean)) + 8;
            text(area, &value, (right, mid), 12.0, Align::Left, &INK, false)?;
        }
        filled_box(area, (x0, y0), (x0 + 1, y1), &INK)?;
        if let Some(chance) = self.chance {
            let x = self.x(x0, chance);
            let red = RGBColor(200, 30, 30);
            for y in (y0..y1).step_by(8) {
                filled_box(area, (x, y), (x + 2, (y + 4).min(y1)), &red)?;
            }
            text(
                area,
                "chance",
                (x + 4, y0 - 8),
                12.0,
                Align::Left,
                &red,
                false,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bars_or_a_nan_score_is_an_error() {
        assert!(matches!(
            ScoreBars::new("t", "UA", vec![]),
            Err(PlotError::Empty(_))
        ));
        let nan = ScoreBar {
            label: "A1".into(),
            mean: f64::NAN,
            std: 0.0,
        };
        let err = ScoreBars::new("t", "UA", vec![nan]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t: A1 has no finite score: nothing to plot"
        );
    }
}
