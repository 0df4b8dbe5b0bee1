//! Classification metrics over a whole split, from a confusion matrix.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Counts of (true class, predicted class) pairs over a whole split.
///
/// Every metric is computed from the counts, never averaged over batches:
/// - accuracy (WA, weighted accuracy): correct / total;
/// - recall of a class: correct of that class / items of that class (`None` without items);
/// - UA (unweighted average recall): the mean recall over the classes that have items;
/// - F1 of a class: `2 * precision * recall / (precision + recall)`, with 0 for a class that is
///   predicted or present but never correct; macro F1 is its mean over the classes that occur in
///   the labels or the predictions (scikit-learn's `f1_score(average="macro")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawConfusion")]
pub struct ConfusionMatrix {
    class_names: Vec<String>,
    /// `counts[true][predicted]`.
    counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// An empty matrix for classes named `class_names` (at least one).
    pub fn new(class_names: Vec<String>) -> Self {
        let n = class_names.len();
        Self {
            class_names,
            counts: vec![vec![0; n]; n],
        }
    }

    /// An empty matrix for `num_classes` classes named `0`, `1`, ...
    pub fn unnamed(num_classes: usize) -> Self {
        Self::new((0..num_classes).map(|c| c.to_string()).collect())
    }

    /// A matrix from explicit counts `counts[true][predicted]`; `None` unless the counts are
    /// square with one row per class name.
    pub fn from_counts(class_names: Vec<String>, counts: Vec<Vec<u64>>) -> Option<Self> {
        let n = class_names.len();
        (counts.len() == n && counts.iter().all(|row| row.len() == n)).then_some(Self {
            class_names,
            counts,
        })
    }

    /// Counts one item of class `truth` predicted as `predicted`.
    ///
    /// # Panics
    /// When either index is not a class.
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.counts[truth][predicted] += 1;
    }

    /// The number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The class names, in index order.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// `counts()[true][predicted]`.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// Number of items counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn correct(&self, class: usize) -> u64 {
        self.counts[class][class]
    }

    fn support(&self, class: usize) -> u64 {
        self.counts[class].iter().sum()
    }

    fn predicted(&self, class: usize) -> u64 {
        self.counts.iter().map(|row| row[class]).sum()
    }

    /// Accuracy (WA): the share of items predicted correctly; 0 when empty.
    pub fn accuracy(&self) -> f64 {
        let total = self.total();
        let correct: u64 = (0..self.num_classes()).map(|c| self.correct(c)).sum();
        ratio(correct, total).unwrap_or(0.0)
    }

    /// Recall of each class; `None` for a class without items.
    pub fn recall_per_class(&self) -> Vec<Option<f64>> {
        (0..self.num_classes())
            .map(|c| ratio(self.correct(c), self.support(c)))
            .collect()
    }

    /// Precision of each class; `None` for a class never predicted.
    pub fn precision_per_class(&self) -> Vec<Option<f64>> {
        (0..self.num_classes())
            .map(|c| ratio(self.correct(c), self.predicted(c)))
            .collect()
    }

    /// F1 of each class; `None` for a class neither present nor predicted.
    pub fn f1_per_class(&self) -> Vec<Option<f64>> {
        (0..self.num_classes())
            .map(|c| {
                let denominator = self.support(c) + self.predicted(c);
                ratio(2 * self.correct(c), denominator)
            })
            .collect()
    }

    /// UA: the mean recall over the classes that have items; 0 when empty.
    pub fn unweighted_average_recall(&self) -> f64 {
        mean(self.recall_per_class())
    }

    /// Macro F1: the mean F1 over the classes present or predicted; 0 when empty.
    pub fn macro_f1(&self) -> f64 {
        mean(self.f1_per_class())
    }

    /// Adds the counts of `other` (same classes).
    ///
    /// # Panics
    /// When the class names differ.
    pub fn merge(&mut self, other: &ConfusionMatrix) {
        assert_eq!(self.class_names, other.class_names, "different classes");
        for (row, other_row) in self.counts.iter_mut().zip(&other.counts) {
            for (count, add) in row.iter_mut().zip(other_row) {
                *count += add;
            }
        }
    }

    /// The matrix as CSV: a header `true\predicted,<names>` and one row per true class.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from("true\\predicted");
        for name in &self.class_names {
            csv.push(',');
            csv.push_str(&csv_field(name));
        }
        csv.push('\n');
        for (name, row) in self.class_names.iter().zip(&self.counts) {
            csv.push_str(&csv_field(name));
            for count in row {
                csv.push_str(&format!(",{count}"));
            }
            csv.push('\n');
        }
        csv
    }

    /// The summary metrics of this matrix.
    pub fn summary(&self) -> MetricSummary {
        MetricSummary {
            items: self.total(),
            accuracy: self.accuracy(),
            unweighted_average_recall: self.unweighted_average_recall(),
            macro_f1: self.macro_f1(),
            recall_per_class: self.recall_per_class(),
        }
    }
}

/// A deserialised matrix before its shape is checked.
#[derive(Deserialize)]
struct RawConfusion {
    class_names: Vec<String>,
    counts: Vec<Vec<u64>>,
}

impl TryFrom<RawConfusion> for ConfusionMatrix {
    type Error = String;

    fn try_from(raw: RawConfusion) -> Result<Self, Self::Error> {
        let n = raw.class_names.len();
        Self::from_counts(raw.class_names, raw.counts)
            .ok_or_else(|| format!("a confusion matrix of {n} classes needs {n} x {n} counts"))
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

fn mean(values: Vec<Option<f64>>) -> f64 {
    let defined: Vec<f64> = values.into_iter().flatten().collect();
    if defined.is_empty() {
        0.0
    } else {
        defined.iter().sum::<f64>() / defined.len() as f64
    }
}

fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

impl fmt::Display for ConfusionMatrix {
    /// A text table: one row per true class, one column per predicted class, then the recall.
    ///
    /// ```text
    /// true \ pred  angry  sad  recall
    /// angry            3    1   75.0%
    /// sad              0    2  100.0%
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let corner = "true \\ pred";
        let label_width = self
            .class_names
            .iter()
            .map(|n| n.chars().count())
            .chain([corner.len()])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = self
            .class_names
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let widest = (0..self.num_classes())
                    .map(|r| self.counts[r][c].to_string().len())
                    .max()
                    .unwrap_or(1);
                widest.max(name.chars().count())
            })
            .collect();
        write!(f, "{corner:<label_width$}")?;
        for (name, width) in self.class_names.iter().zip(&widths) {
            write!(f, "  {name:>width$}")?;
        }
        writeln!(f, "  {:>6}", "recall")?;
        for ((name, row), recall) in self
            .class_names
            .iter()
            .zip(&self.counts)
            .zip(self.recall_per_class())
        {
            write!(f, "{name:<label_width$}")?;
            for (count, width) in row.iter().zip(&widths) {
                write!(f, "  {count:>width$}")?;
            }
            match recall {
                Some(recall) => writeln!(f, "  {:>5.1}%", 100.0 * recall)?,
                None => writeln!(f, "  {:>6}", "-")?,
            }
        }
        Ok(())
    }
}

/// The headline metrics of a [`ConfusionMatrix`], for tables and JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Number of items scored.
    pub items: u64,
    /// Accuracy (WA).
    pub accuracy: f64,
    /// Unweighted average recall (UA).
    pub unweighted_average_recall: f64,
    /// Macro F1.
    pub macro_f1: f64,
    /// Recall of each class (`None` without items).
    pub recall_per_class: Vec<Option<f64>>,
}

impl fmt::Display for MetricSummary {
    /// `UA 62.5%  WA 66.7%  macro F1 0.611  (12 items)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "UA {:.1}%  WA {:.1}%  macro F1 {:.3}  ({} items)",
            100.0 * self.unweighted_average_recall,
            100.0 * self.accuracy,
            self.macro_f1,
            self.items
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    /// truth \ pred: a b c
    ///   a: 3 1 0   (4 items, recall 3/4)
    ///   b: 0 2 2   (4 items, recall 1/2)
    ///   c: 1 0 1   (2 items, recall 1/2)
    fn example() -> ConfusionMatrix {
        ConfusionMatrix::from_counts(
            names(&["a", "b", "c"]),
            vec![vec![3, 1, 0], vec![0, 2, 2], vec![1, 0, 1]],
        )
        .unwrap()
    }

    #[test]
    fn hand_computed_metrics() {
        let m = example();
        assert_eq!(m.total(), 10);
        assert_relative_eq!(m.accuracy(), 0.6);
        assert_eq!(m.recall_per_class(), vec![Some(0.75), Some(0.5), Some(0.5)]);
        assert_relative_eq!(m.unweighted_average_recall(), (0.75 + 0.5 + 0.5) / 3.0);
        // precision: a 3/4, b 2/3, c 1/3; F1 = 2TP / (support + predicted).
        let f1: Vec<f64> = m.f1_per_class().into_iter().map(Option::unwrap).collect();
        assert_relative_eq!(f1[0], 6.0 / 8.0);
        assert_relative_eq!(f1[1], 4.0 / 7.0);
        assert_relative_eq!(f1[2], 2.0 / 5.0);
        assert_relative_eq!(m.macro_f1(), (6.0 / 8.0 + 4.0 / 7.0 + 2.0 / 5.0) / 3.0);
        let precision = m.precision_per_class();
        assert_relative_eq!(precision[1].unwrap(), 2.0 / 3.0);
    }

    #[test]
    fn absent_classes_are_left_out_of_ua_and_macro_f1() {
        // Class c never occurs and is never predicted; b is predicted but absent.
        let m = ConfusionMatrix::from_counts(
            names(&["a", "b", "c"]),
            vec![vec![1, 1, 0], vec![0, 0, 0], vec![0, 0, 0]],
        )
        .unwrap();
        assert_eq!(m.recall_per_class(), vec![Some(0.5), None, None]);
        assert_relative_eq!(m.unweighted_average_recall(), 0.5);
        // F1: a = 2/3, b = 0 (predicted, never right), c undefined.
        assert_eq!(m.f1_per_class()[2], None);
        assert_relative_eq!(m.macro_f1(), (2.0 / 3.0) / 2.0);
        let empty = ConfusionMatrix::unnamed(2);
        assert_eq!(empty.accuracy(), 0.0);
        assert_eq!(empty.unweighted_average_recall(), 0.0);
    }

    #[test]
    fn add_and_merge_count() {
        let mut m = ConfusionMatrix::unnamed(2);
        m.add(0, 0);
        m.add(1, 0);
        let mut total = m.clone();
        total.merge(&m);
        assert_eq!(total.counts(), &[vec![2, 0], vec![2, 0]]);
        assert!(ConfusionMatrix::from_counts(names(&["a"]), vec![vec![1, 2]]).is_none());
    }

    #[test]
    fn display_csv_and_json() {
        let m = example();
        assert_eq!(
            m.to_string(),
            "true \\ pred  a  b  c  recall\n\
             a            3  1  0   75.0%\n\
             b            0  2  2   50.0%\n\
             c            1  0  1   50.0%\n"
        );
        assert_eq!(
            m.to_csv(),
            "true\\predicted,a,b,c\na,3,1,0\nb,0,2,2\nc,1,0,1\n"
        );
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"class_names":["a","b","c"],"counts":[[3,1,0],[0,2,2],[1,0,1]]}"#
        );
        assert_eq!(serde_json::from_str::<ConfusionMatrix>(&json).unwrap(), m);
        let ragged = r#"{"class_names":["a","b"],"counts":[[3,1],[0]]}"#;
        assert!(serde_json::from_str::<ConfusionMatrix>(ragged).is_err());
        assert_eq!(
            m.summary().to_string(),
            "UA 58.3%  WA 60.0%  macro F1 0.574  (10 items)"
        );
    }
}
