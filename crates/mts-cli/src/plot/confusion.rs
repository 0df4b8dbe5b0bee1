//! A confusion matrix as a heat map: counts and row shares (recall) per cell.

use mts_models::ConfusionMatrix;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, WHITE};

use super::Figure;
use super::canvas::{
    Align, DrawResult, INK, MARGIN, filled_box, heat, outline, text, text_width, title, title_width,
};

const TITLE: i32 = 56;
const FONT: f64 = 15.0;
const SMALL: f64 = 12.0;

/// A confusion matrix drawn as a heat map: rows are true classes, columns predicted classes;
/// each cell shows its count and its share of the row (so the diagonal reads as per-class
/// recall), coloured by that share. The subtitle gives WA, UA and the number of items.
#[derive(Debug, Clone)]
pub struct ConfusionPlot {
    /// The counts and class names.
    pub matrix: ConfusionMatrix,
    /// The title line (e.g. the model and split).
    pub title: String,
}

impl ConfusionPlot {
    /// A plot of `matrix` titled `title`.
    pub fn new(matrix: ConfusionMatrix, title: impl Into<String>) -> Self {
        Self {
            matrix,
            title: title.into(),
        }
    }

    fn label_width(&self) -> i32 {
        let names = self.matrix.class_names().iter();
        names.map(|n| text_width(n, FONT)).max().unwrap_or(0)
    }

    fn cell(&self) -> i32 {
        (self.label_width() + 14).max(64)
    }

    fn origin(&self) -> (i32, i32) {
        (MARGIN + 28 + self.label_width() + 10, MARGIN + TITLE + 48)
    }
}

impl Figure for ConfusionPlot {
    fn size(&self) -> (u32, u32) {
        let n = self.matrix.num_classes() as i32;
        let (x0, y0) = self.origin();
        let width = (x0 + n * self.cell() + MARGIN).max(title_width(&self.title));
        (width as u32, (y0 + n * self.cell() + MARGIN) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let n = self.matrix.num_classes() as i32;
        let names = self.matrix.class_names();
        let counts = self.matrix.counts();
        let cell = self.cell();
        let (x0, y0) = self.origin();
        title(area, &self.title, MARGIN + 10)?;
        let subtitle = format!(
            "WA {:.1}%   UA {:.1}%   {} items   (cell: count and share of its row)",
            100.0 * self.matrix.accuracy(),
            100.0 * self.matrix.unweighted_average_recall(),
            self.matrix.total()
        );
        text(
            area,
            &subtitle,
            (MARGIN, MARGIN + 36),
            SMALL,
            Align::Left,
            &INK,
            false,
        )?;
        let grid_mid_x = x0 + n * cell / 2;
        text(
            area,
            "predicted class",
            (grid_mid_x, y0 - 38),
            FONT,
            Align::Center,
            &INK,
            true,
        )?;
        text(
            area,
            "true",
            (MARGIN, y0 - 16),
            FONT,
            Align::Left,
            &INK,
            true,
        )?;
        for (c, name) in names.iter().enumerate() {
            let c = c as i32;
            let centre = c * cell + cell / 2;
            text(
                area,
                name,
                (x0 + centre, y0 - 14),
                FONT,
                Align::Center,
                &INK,
                false,
            )?;
            text(
                area,
                name,
                (x0 - 10, y0 + centre),
                FONT,
                Align::Right,
                &INK,
                false,
            )?;
        }
        for (t, row) in counts.iter().enumerate() {
            let support: u64 = row.iter().sum();
            for (p, &count) in row.iter().enumerate() {
                let share = if support == 0 {
                    0.0
                } else {
                    count as f64 / support as f64
                };
                let (cx, cy) = (x0 + p as i32 * cell, y0 + t as i32 * cell);
                filled_box(area, (cx, cy), (cx + cell, cy + cell), &heat(share))?;
                let ink = if share > 0.55 { WHITE } else { INK };
                let mid = (cx + cell / 2, cy + cell / 2);
                text(
                    area,
                    &count.to_string(),
                    (mid.0, mid.1 - 9),
                    FONT,
                    Align::Center,
                    &ink,
                    t == p,
                )?;
                let percent = format!("{:.0}%", 100.0 * share);
                text(
                    area,
                    &percent,
                    (mid.0, mid.1 + 11),
                    SMALL,
                    Align::Center,
                    &ink,
                    false,
                )?;
            }
        }
        outline(area, (x0, y0), (x0 + n * cell, y0 + n * cell), &INK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_grows_with_classes_and_names() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let small = ConfusionPlot::new(ConfusionMatrix::new(names(&["a", "b"])), "t");
        let large = ConfusionPlot::new(
            ConfusionMatrix::new(names(&["anger", "boredom", "happiness", "neutral"])),
            "t",
        );
        assert!(large.size().0 > small.size().0 && large.size().1 > small.size().1);
        assert!(large.cell() >= text_width("happiness", FONT));
    }
}
