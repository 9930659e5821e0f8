//! `metrics.csv`: one row per step (`step,d_loss,g_loss,d_real,d_fake`, then the evaluation's
//! metrics at evaluation steps), written and read back exactly.

use crate::gan::step::StepStats;
use crate::run::store::files::CsvWriter;

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The step's numbers.
    pub stats: StepStats,
    /// The evaluation's values, at evaluation steps.
    pub metrics: Option<Vec<f64>>,
}

/// The first columns of `metrics.csv`; the evaluation metrics follow.
pub const METRICS_HEADER: &str = "step,d_loss,g_loss,d_real,d_fake";

/// `metrics.csv` text with the metric columns `names`. Floats use Rust's shortest round-trip
/// form, so equal runs give byte-identical files, and parsing a row back gives the same
/// numbers.
pub fn metrics_csv(rows: &[Row], names: &[&str]) -> String {
    let mut csv = CsvWriter::new();
    csv.row(METRICS_HEADER.split(',').chain(names.iter().copied()));
    metrics_rows_into(&mut csv, rows, names.len());
    csv.finish()
}

/// Appends `rows` to `csv`, empty metric columns where a row has no evaluation.
pub fn metrics_rows_into(csv: &mut CsvWriter, rows: &[Row], n_metrics: usize) {
    for (step, r) in rows.iter().enumerate() {
        let st = &r.stats;
        let mut fields = vec![
            step.to_string(),
            st.d_loss.to_string(),
            st.g_loss.to_string(),
            st.d_real.to_string(),
            st.d_fake.to_string(),
        ];
        match &r.metrics {
            Some(values) => fields.extend(values.iter().map(f64::to_string)),
            None => fields.resize(fields.len() + n_metrics, String::new()),
        }
        csv.row(fields);
    }
}

/// Parses rows of `metrics.csv` without its header (or a format-1 checkpoint's rows) with `n_metrics` metric columns;
/// the error names the line.
pub fn parse_rows(text: &str, n_metrics: usize) -> std::result::Result<Vec<Row>, String> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let bad = || format!("metrics row {} is malformed: '{line}'", i + 1);
            let f: Vec<&str> = line.split(',').collect();
            if f.len() != 5 + n_metrics || f[0].parse::<usize>().ok() != Some(i) {
                return Err(bad());
            }
            let num = |s: &str| s.parse::<f32>().map_err(|_| bad());
            let evaluated = &f[5..];
            let metrics = if evaluated.iter().all(|v| v.is_empty()) && n_metrics > 0 {
                None
            } else {
                Some(
                    evaluated
                        .iter()
                        .map(|v| v.parse::<f64>().map_err(|_| bad()))
                        .collect::<std::result::Result<Vec<f64>, String>>()?,
                )
            };
            Ok(Row {
                stats: StepStats {
                    d_loss: num(f[1])?,
                    g_loss: num(f[2])?,
                    d_real: num(f[3])?,
                    d_fake: num(f[4])?,
                    ..StepStats::default()
                },
                metrics,
            })
        })
        .collect()
}
