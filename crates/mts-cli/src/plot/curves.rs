//! Learning curves: one line per run (e.g. validation loss per epoch), coloured by group.

use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement};

use super::canvas::{
    Align, DrawResult, GRID, INK, MARGIN, PALETTE, filled_box, text, title, title_width,
};
use super::{Figure, PlotError};

const WIDTH: i32 = 640;
const HEIGHT: i32 = 360;
const LEFT: i32 = 70;

/// One line: its group (colour and legend entry) and its (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Legend entry; curves with the same group share a colour.
    pub group: String,
    /// Points in x order.
    pub points: Vec<(f64, f64)>,
}

/// Lines on shared axes, ranges fitted to the data, with a legend of groups.
#[derive(Debug, Clone)]
pub struct CurvesPlot {
    /// The title line.
    pub title: String,
    /// The x axis label (e.g. `epoch`).
    pub x_axis: String,
    /// The y axis label (e.g. `validation loss`).
    pub y_axis: String,
    /// The lines.
    pub curves: Vec<Curve>,
}

impl CurvesPlot {
    /// A plot of `curves`; fails when no curve has a finite point.
    pub fn new(
        title: impl Into<String>,
        x_axis: impl Into<String>,
        y_axis: impl Into<String>,
        curves: Vec<Curve>,
    ) -> Result<Self, PlotError> {
        let plot = Self {
            title: title.into(),
            x_axis: x_axis.into(),
            y_axis: y_axis.into(),
            curves,
        };
        if plot.range().is_none() {
            return Err(PlotError::Empty(plot.title));
        }
        Ok(plot)
    }

    fn finite_points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let points = self.curves.iter().flat_map(|c| c.points.iter().copied());
        points.filter(|(x, y)| x.is_finite() && y.is_finite())
    }

    /// `(x_min, x_max, y_min, y_max)`, widened where a range is a point.
    fn range(&self) -> Option<(f64, f64, f64, f64)> {
        let mut points = self.finite_points();
        let (x, y) = points.next()?;
        let (mut x0, mut x1, mut y0, mut y1) = (x, x, y, y);
        for (x, y) in points {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
        if x1 - x0 < 1e-12 {
            x1 = x0 + 1.0;
        }
        if y1 - y0 < 1e-12 {
            y1 = y0 + 1.0;
        }
        Some((x0, x1, y0, y1))
    }

    fn groups(&self) -> Vec<&str> {
        let mut groups: Vec<&str> = Vec::new();
        for curve in &self.curves {
            if !groups.contains(&curve.group.as_str()) {
                groups.push(&curve.group);
            }
        }
        groups
    }
}

impl Figure for CurvesPlot {
    fn size(&self) -> (u32, u32) {
        let legend = 24 * self.groups().len() as i32;
        let width = (2 * MARGIN + LEFT + WIDTH + 20).max(title_width(&self.title));
        (
            width as u32,
            (2 * MARGIN + 40 + HEIGHT + 50 + legend) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult {
        let Some((x0, x1, y0, y1)) = self.range() else {
            return Err(format!("{}: no finite point", self.title));
        };
        let (left, top) = (MARGIN + LEFT, MARGIN + 40);
        let (right, bottom) = (left + WIDTH, top + HEIGHT);
        let px = |x: f64| left + ((x - x0) / (x1 - x0) * WIDTH as f64).round() as i32;
        let py = |y: f64| bottom - ((y - y0) / (y1 - y0) * HEIGHT as f64).round() as i32;
        title(area, &self.title, MARGIN + 8)?;
        for tick in 0..=4 {
            let y = y0 + (y1 - y0) * tick as f64 / 4.0;
            filled_box(area, (left, py(y)), (right, py(y) + 1), &GRID)?;
            let label = format!("{y:.3}");
            text(
                area,
                &label,
                (left - 6, py(y)),
                12.0,
                Align::Right,
                &INK,
                false,
            )?;
            let x = x0 + (x1 - x0) * tick as f64 / 4.0;
            let label = if x1 - x0 >= 8.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.1}")
            };
            text(
                area,
                &label,
                (px(x), bottom + 12),
                12.0,
                Align::Center,
                &INK,
                false,
            )?;
        }
        filled_box(area, (left, top), (left + 1, bottom), &INK)?;
        filled_box(area, (left, bottom), (right, bottom + 1), &INK)?;
        let mid = (left + right) / 2;
        text(
            area,
            &self.x_axis,
            (mid, bottom + 32),
            14.0,
            Align::Center,
            &INK,
            false,
        )?;
        text(
            area,
            &self.y_axis,
            (MARGIN, top - 14),
            13.0,
            Align::Left,
            &INK,
            false,
        )?;
        let groups = self.groups();
        for curve in &self.curves {
            let index = groups.iter().position(|g| *g == curve.group).unwrap_or(0);
            let color = PALETTE[index % PALETTE.len()];
            let points: Vec<(i32, i32)> = curve
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| (px(x), py(y)))
                .collect();
            area.draw(&PathElement::new(points, color.stroke_width(2)))
                .map_err(|e| e.to_string())?;
        }
        for (i, group) in groups.iter().enumerate() {
            let y = bottom + 56 + 24 * i as i32;
            let color = PALETTE[i % PALETTE.len()];
            filled_box(area, (left, y - 2), (left + 24, y + 2), &color)?;
            text(area, group, (left + 32, y), 13.0, Align::Left, &INK, false)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_finite_point_is_an_error_and_groups_share_colours() {
        let nan = Curve {
            group: "a1".into(),
            points: vec![(1.0, f64::NAN)],
        };
        assert!(matches!(
            CurvesPlot::new("t", "epoch", "loss", vec![nan.clone()]),
            Err(PlotError::Empty(_))
        ));
        let line = |group: &str| Curve {
            group: group.into(),
            points: vec![(1.0, 2.0), (2.0, 1.5)],
        };
        let plot = CurvesPlot::new(
            "t",
            "epoch",
            "loss",
            vec![line("a"), nan, line("b"), line("a")],
        )
        .unwrap();
        assert_eq!(plot.groups(), ["a", "a1", "b"]);
        assert_eq!(plot.range(), Some((1.0, 2.0, 1.5, 2.0)));
    }
}
