//! Figures a person can read: confusion matrices, score bars, scale usage, paired differences
//! and learning curves, as PNG or SVG.
//!
//! Every figure implements [`Figure`] and is written by [`write_figure`], which picks the format
//! from the file extension (`.png` or `.svg`) and writes atomically (a temporary file in the same
//! folder, renamed into place), so an interrupted run never leaves half an image. Text uses the
//! DejaVu Sans font compiled into the binary, so figures look the same on every machine, with or
//! without system fonts.

mod bars;
mod canvas;
mod confusion;
mod curves;
mod differences;
mod usage;

use std::path::{Path, PathBuf};

pub use bars::{ScoreBar, ScoreBars};
pub use confusion::ConfusionPlot;
pub use curves::{Curve, CurvesPlot};
pub use differences::DifferencePlot;
pub use usage::ScaleUsagePlot;

pub use canvas::DrawResult;
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};

/// Why a figure could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The file name has no `.png` or `.svg` extension.
    #[error("{0}: figures are written as .png or .svg")]
    UnknownFormat(PathBuf),
    /// The figure has nothing to show.
    #[error("{0}: nothing to plot")]
    Empty(String),
    /// Drawing or encoding failed.
    #[error("cannot draw {path}: {reason}")]
    Draw {
        /// The file being written.
        path: PathBuf,
        /// What the renderer reported.
        reason: String,
    },
    /// The file could not be written or moved into place.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// A figure that can be drawn on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole figure on `area` (already filled white), in pixel coordinates.
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// Image formats [`write_figure`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// Portable Network Graphics (raster).
    Png,
    /// Scalable Vector Graphics (text stays text).
    Svg,
}

impl ImageFormat {
    /// The format named by `path`'s extension (case-insensitive), if it is one.
    pub fn of(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "png" => Some(Self::Png),
            "svg" => Some(Self::Svg),
            _ => None,
        }
    }
}

/// Draws `figure` into `path` (`.png` or `.svg`), atomically.
pub fn write_figure(figure: &impl Figure, path: &Path) -> Result<(), PlotError> {
    let format = ImageFormat::of(path).ok_or_else(|| PlotError::UnknownFormat(path.into()))?;
    canvas::register_font().map_err(|reason| PlotError::Draw {
        path: path.into(),
        reason,
    })?;
    let size = figure.size();
    let written = mts_models::write_atomically_with(path, |temp: &Path| -> Result<(), Failure> {
        match format {
            ImageFormat::Png => {
                let area = BitMapBackend::new(temp, size).into_drawing_area();
                canvas::draw_on(&area, figure).map_err(Failure::Draw)?;
                area.present().map_err(|e| Failure::Draw(e.to_string()))
            }
            ImageFormat::Svg => {
                let mut svg = String::new();
                {
                    let area = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                    canvas::draw_on(&area, figure).map_err(Failure::Draw)?;
                    area.present().map_err(|e| Failure::Draw(e.to_string()))?;
                }
                Ok(std::fs::write(temp, svg)?)
            }
        }
    });
    written.map_err(|failure| match failure {
        Failure::Draw(reason) => PlotError::Draw {
            path: path.into(),
            reason,
        },
        Failure::Io(source) => PlotError::Io {
            path: path.into(),
            source,
        },
    })
}

/// A failure inside the atomic write, before the path is attached.
enum Failure {
    Draw(String),
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(error: std::io::Error) -> Self {
        Self::Io(error)
    }
}

/// Writes `figure` as `<dir>/<stem>.png` and `<dir>/<stem>.svg` and returns both paths.
pub fn write_png_and_svg(
    figure: &impl Figure,
    dir: &Path,
    stem: &str,
) -> Result<Vec<PathBuf>, PlotError> {
    ["png", "svg"]
        .iter()
        .map(|extension| {
            let path = dir.join(format!("{stem}.{extension}"));
            write_figure(figure, &path).map(|()| path)
        })
        .collect()
}
