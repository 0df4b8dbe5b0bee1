//! Drawing primitives shared by the figures: the embedded font, text, boxes, colours.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::{
    Color, DrawingArea, DrawingBackend, IntoFont, RGBColor, Rectangle, Text, WHITE,
};
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::Figure;

/// What drawing returns: the renderer's complaint as text on failure.
pub type DrawResult = Result<(), String>;

/// The font family every figure uses (DejaVu Sans, registered from the binary).
const FAMILY: &str = "sans-serif";

/// Registers the embedded DejaVu Sans once per process.
pub(super) fn register_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular())
                .and_then(|()| {
                    plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold())
                })
                .map_err(|_| "the embedded DejaVu Sans font cannot be read".to_string())
        })
        .clone()
}

/// Fills `area` white and draws `figure` on it.
pub(super) fn draw_on<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    figure: &impl Figure,
) -> DrawResult {
    area.fill(&WHITE).map_err(|e| e.to_string())?;
    figure.draw(area)
}

/// Horizontal anchor of a text.
#[derive(Debug, Clone, Copy)]
pub enum Align {
    /// The text starts at the point.
    Left,
    /// The text is centred on the point.
    Center,
    /// The text ends at the point.
    Right,
}

/// Draws `text` at `(x, y)` (vertically centred on `y`) in `size`-pixel type.
pub fn text<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    size: f64,
    align: Align,
    color: &RGBColor,
    bold: bool,
) -> DrawResult {
    let h = match align {
        Align::Left => HPos::Left,
        Align::Center => HPos::Center,
        Align::Right => HPos::Right,
    };
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    let font = (FAMILY, size)
        .into_font()
        .style(style)
        .color(color)
        .pos(Pos::new(h, VPos::Center));
    area.draw(&Text::new(text.to_string(), (x, y), font))
        .map_err(|e| e.to_string())
}

/// Outer margin of every figure, pixels.
pub const MARGIN: i32 = 24;
/// Type size of figure titles, pixels.
const TITLE_SIZE: f64 = 18.0;

/// Draws a figure's bold title at the left margin, vertically centred on `y`.
pub fn title<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, title: &str, y: i32) -> DrawResult {
    text(
        area,
        title,
        (MARGIN, y),
        TITLE_SIZE,
        Align::Left,
        &INK,
        true,
    )
}

/// The figure width the title needs, margins included.
pub fn title_width(title: &str) -> i32 {
    text_width(title, TITLE_SIZE) + 2 * MARGIN
}

/// Draws a filled box from `(x0, y0)` to `(x1, y1)`.
pub fn filled_box<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    color: &RGBColor,
) -> DrawResult {
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
        .map_err(|e| e.to_string())
}

/// Draws the outline of a box (or a line, when it is one pixel thin).
pub fn outline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x0, y0): (i32, i32),
    (x1, y1): (i32, i32),
    color: &RGBColor,
) -> DrawResult {
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], color.stroke_width(1)))
        .map_err(|e| e.to_string())
}

/// Dark grey for text and axes.
pub const INK: RGBColor = RGBColor(40, 40, 40);
/// Light grey for grid lines.
pub const GRID: RGBColor = RGBColor(220, 220, 220);

/// A categorical palette (Tableau 10), one colour per series.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// White for 0, deep blue for 1 (values are clamped to [0, 1]).
pub fn heat(value: f64) -> RGBColor {
    let v = value.clamp(0.0, 1.0);
    let lerp = |from: f64, to: f64| (from + (to - from) * v).round() as u8;
    RGBColor(lerp(255.0, 8.0), lerp(255.0, 48.0), lerp(255.0, 107.0))
}

/// Approximate width in pixels of `text` in `size`-pixel DejaVu Sans (for layout).
pub fn text_width(text: &str, size: f64) -> i32 {
    (text.chars().count() as f64 * size * 0.6).ceil() as i32
}
