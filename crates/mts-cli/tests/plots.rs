//! The figures as a user gets them: real PNG files (decoded here) and SVG text.

use std::io::BufReader;
use std::path::Path;

use mts_cli::plot::{
    ConfusionPlot, Figure, PlotError, ScaleUsagePlot, ScoreBar, ScoreBars, write_figure,
};
use mts_core::{ScaleSet, ScaleUsage};
use mts_models::ConfusionMatrix;

/// Width, height and RGB(A) pixels of a PNG file.
struct Image {
    width: usize,
    height: usize,
    channels: usize,
    pixels: Vec<u8>,
}

impl Image {
    fn read(path: &Path) -> Self {
        let file = BufReader::new(std::fs::File::open(path).unwrap());
        let mut reader = png::Decoder::new(file).read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut pixels).unwrap();
        Self {
            width: info.width as usize,
            height: info.height as usize,
            channels: info.color_type.samples(),
            pixels,
        }
    }

    /// Mean brightness (0 black .. 255 white) of the pixel at `(x, y)`.
    fn brightness(&self, x: usize, y: usize) -> f64 {
        let i = (y * self.width + x) * self.channels;
        self.pixels[i..i + 3].iter().map(|&v| v as f64).sum::<f64>() / 3.0
    }
}

/// The text lines of an SVG file, in drawing order.
fn svg_texts(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    svg.split("<text")
        .skip(1)
        .map(|element| {
            let content =
                &element[element.find('>').unwrap() + 1..element.find("</text>").unwrap()];
            content.trim().to_string()
        })
        .collect()
}

fn matrix() -> ConfusionMatrix {
    let names = ["anger", "boredom", "happiness"].map(String::from).to_vec();
    ConfusionMatrix::from_counts(names, vec![vec![9, 1, 0], vec![0, 10, 0], vec![5, 0, 5]]).unwrap()
}

#[test]
fn a_confusion_matrix_png_has_the_size_and_the_shading_of_its_counts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("confusion.png");
    let plot = ConfusionPlot::new(matrix(), "A1 MTS on a test split");
    write_figure(&plot, &path).unwrap();
    let image = Image::read(&path);
    let (width, height) = plot.size();
    assert_eq!(
        (image.width, image.height),
        (width as usize, height as usize)
    );
    let dark: Vec<(usize, usize)> = (0..image.height)
        .flat_map(|y| (0..image.width).map(move |x| (x, y)))
        .filter(|&(x, y)| image.brightness(x, y) < 100.0)
        .collect();
    assert!(!dark.is_empty(), "the image is blank");
    let svg_path = dir.path().join("confusion.svg");
    write_figure(&plot, &svg_path).unwrap();
    let texts = svg_texts(&svg_path);
    assert!(
        texts[1].starts_with("WA 80.0%   UA 80.0%   30 items"),
        "{texts:?}"
    );
    for needle in [
        "anger",
        "boredom",
        "happiness",
        "predicted class",
        "9",
        "90%",
        "50%",
        "100%",
    ] {
        assert!(
            texts.iter().any(|t| t == needle),
            "{needle} missing from {texts:?}"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "temporary files left behind: {names:?}");
}

#[test]
fn cell_shades_follow_the_row_shares() {
    // One class per row, all predicted as the first class: column 0 is dark, the rest white.
    let names = ["a", "b"].map(String::from).to_vec();
    let matrix = ConfusionMatrix::from_counts(names, vec![vec![4, 0], vec![4, 0]]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.png");
    write_figure(&ConfusionPlot::new(matrix, "t"), &path).unwrap();
    let image = Image::read(&path);
    // Find the grid: the darkest column band starts the first cell; scan the middle row of the
    // image for the first dark pixel run and the white run after it.
    let y = image.height - 30;
    let row: Vec<f64> = (0..image.width).map(|x| image.brightness(x, y)).collect();
    let first_dark = row
        .iter()
        .position(|&b| b < 80.0)
        .expect("no dark cell on the lower row");
    let dark_run = row[first_dark..].iter().take_while(|&&b| b < 130.0).count();
    assert!(
        dark_run >= 50,
        "the first cell should be a dark block, run {dark_run}"
    );
    let after = &row[first_dark + dark_run + 2..first_dark + dark_run + 40];
    assert!(
        after.iter().all(|&b| b > 240.0),
        "the second cell should be white: {after:?}"
    );
}

#[test]
fn bars_and_usage_render_and_bad_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bars = ScoreBars::new(
        "UA",
        "UA %",
        vec![
            ScoreBar {
                label: "A1 standard".into(),
                mean: 0.41,
                std: 0.05,
            },
            ScoreBar {
                label: "A1 MTS (0.5, 1, 2)".into(),
                mean: 0.47,
                std: 0.0,
            },
        ],
    )
    .unwrap()
    .with_chance(0.25);
    write_figure(&bars, &dir.path().join("ua.png")).unwrap();
    write_figure(&bars, &dir.path().join("ua.svg")).unwrap();
    let texts = svg_texts(&dir.path().join("ua.svg"));
    for needle in ["A1 standard", "41.0 ± 5.0", "47.0", "chance", "UA %", "100"] {
        assert!(
            texts.iter().any(|t| t == needle),
            "{needle} missing from {texts:?}"
        );
    }
    let image = Image::read(&dir.path().join("ua.png"));
    assert_eq!((image.width as u32, image.height as u32), bars.size());

    let usage =
        ScaleUsage::from_counts(ScaleSet::time(&[0.5, 1.0, 2.0]), vec![20, 50, 30]).unwrap();
    let plot = ScaleUsagePlot::new("usage", vec![("A1 conv".into(), usage)]).unwrap();
    write_figure(&plot, &dir.path().join("usage.svg")).unwrap();
    let texts = svg_texts(&dir.path().join("usage.svg"));
    for needle in ["A1 conv", "0.5", "1", "2", "20%", "50%", "30%"] {
        assert!(
            texts.iter().any(|t| t == needle),
            "{needle} missing from {texts:?}"
        );
    }

    let err = write_figure(&plot, &dir.path().join("usage.jpg")).unwrap_err();
    assert!(matches!(err, PlotError::UnknownFormat(_)));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: figures are written as .png or .svg",
            dir.path().join("usage.jpg").display()
        )
    );
    let missing = dir.path().join("file.txt").join("sub").join("x.png");
    std::fs::write(dir.path().join("file.txt"), b"not a folder").unwrap();
    assert!(matches!(
        write_figure(&plot, &missing),
        Err(PlotError::Io { .. })
    ));
}
