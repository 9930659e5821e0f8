//! What a benchmark's trials cost (may use: error, run::store): the benchmark's wall time and each
//! trial's core-minutes, as `table.md` states them below its table.
//!
//! A trial trains on one core (one thread of `bench modes --jobs J`, or one Slurm task), so its
//! core-minutes are its training time in minutes: `run.json`'s `duration_s / 60`, over all
//! its sessions. The benchmark's wall time is the span from the earliest trial's start to the
//! latest trial's end (`run.json`'s `start` and `end`, whole seconds); a benchmark stopped and
//! resumed counts the pause too, and says so.

use std::fmt::Write as _;
use std::path::Path;

use crate::error::Result;
use crate::run::store::run_json::RunRecord;

/// What one trial cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialTime {
    /// Its seed.
    pub seed: u64,
    /// Its setting's number (from 1) in a benchmark over settings.
    pub setting: Option<usize>,
    /// Its training time over all its sessions, seconds (one core).
    pub seconds: f64,
    /// When it first started and last ended, seconds since the epoch; `None` when its
    /// `run.json` does not say (a run still running, or a folder without one).
    pub span: Option<(u64, u64)>,
    /// Whether it was resumed (its span then holds a pause).
    pub resumed: bool,
}

impl TrialTime {
    /// The cost of the trial with this seed and setting (its index from 0) in run folder
    /// `dir`, from its `run.json`; without one, `wall_s` (the session's training time) and no
    /// span.
    pub fn of(seed: u64, setting: Option<usize>, dir: &Path, wall_s: f64) -> Result<TrialTime> {
        let record = RunRecord::load(dir)?;
        let record = record.as_ref();
        Ok(TrialTime {
            seed,
            setting: setting.map(|i| i + 1),
            seconds: record.map_or(wall_s, |r| r.duration_s),
            span: record.and_then(|r| Some((r.start.unix, r.end.as_ref()?.unix))),
            resumed: record.is_some_and(|r| !r.resumes.is_empty()),
        })
    }
}

/// The paragraph and table `table.md` ends with: the wall time of the whole benchmark and the
/// core-minutes of every trial. Empty for no trials.
pub fn markdown(trials: &[TrialTime]) -> String {
    if trials.is_empty() {
        return String::new();
    }
    let minutes: Vec<f64> = trials.iter().map(|t| t.seconds / 60.0).collect();
    let total: f64 = minutes.iter().sum();
    let (lo, hi) = minutes
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &m| {
            (a.min(m), b.max(m))
        });
    let n = trials.len();
    let mut s = String::from("\n");
    let spans: Vec<(u64, u64)> = trials.iter().filter_map(|t| t.span).collect();
    if spans.len() == n {
        let first = spans.iter().map(|s| s.0).min().unwrap_or(0);
        let last = spans.iter().map(|s| s.1).max().unwrap_or(0);
        let wall = last.saturating_sub(first) as f64 / 60.0;
        let pause = match trials.iter().any(|t| t.resumed) {
            true => ", pauses between sessions included",
            false => "",
        };
        let _ = write!(
            s,
            "Wall time: {wall:.1} min for {n} trial{}, from the first trial's start to the last one's end{pause}. ",
            plural(n)
        );
    }
    let _ = writeln!(
        s,
        "Core-minutes: {total:.1} in all, {:.2} a trial on average ({lo:.2}–{hi:.2}); a trial trains on one core, so its core-minutes are its training time.\n",
        total / n as f64
    );
    let with_setting = trials.iter().any(|t| t.setting.is_some());
    let lead = if with_setting { "| setting " } else { "" };
    let rule = if with_setting { "|---" } else { "" };
    let _ = writeln!(s, "{lead}| seed | core-minutes |\n{rule}|---|---|");
    for (t, m) in trials.iter().zip(&minutes) {
        let setting = match t.setting {
            Some(k) => format!("| {k} "),
            None if with_setting => "| — ".to_string(),
            None => String::new(),
        };
        let _ = writeln!(s, "{setting}| {} | {m:.2} |", t.seed);
    }
    s
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(seed: u64, seconds: f64, span: Option<(u64, u64)>) -> TrialTime {
        TrialTime {
            seed,
            setting: None,
            seconds,
            span,
            resumed: false,
        }
    }

    #[test]
    fn the_wall_time_is_the_span_of_the_trials_and_core_minutes_their_training_time() {
        // Two at a time: seeds 0 and 1 from t = 1000, seed 2 after seed 0.
        let trials = [
            trial(0, 30.0, Some((1000, 1030))),
            trial(1, 42.0, Some((1000, 1042))),
            trial(2, 48.0, Some((1030, 1078))),
        ];
        let s = markdown(&trials);
        assert!(
            s.contains("Wall time: 1.3 min for 3 trials, from the first trial's start to the last one's end. "),
            "{s}"
        );
        assert!(
            s.contains("Core-minutes: 2.0 in all, 0.67 a trial on average (0.50–0.80)"),
            "{s}"
        );
        assert!(
            s.contains(
                "| seed | core-minutes |\n|---|---|\n| 0 | 0.50 |\n| 1 | 0.70 |\n| 2 | 0.80 |\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn a_trial_without_a_span_leaves_the_wall_time_out_and_a_resume_is_said() {
        let s = markdown(&[trial(0, 60.0, None), trial(1, 60.0, Some((0, 60)))]);
        assert!(!s.contains("Wall time"), "{s}");
        assert!(s.contains("Core-minutes: 2.0 in all, 1.00 a trial"), "{s}");
        let mut resumed = trial(0, 60.0, Some((0, 600)));
        resumed.resumed = true;
        let s = markdown(&[resumed]);
        assert!(s.contains("Wall time: 10.0 min for 1 trial, from the first trial's start to the last one's end, pauses between sessions included."), "{s}");
        assert_eq!(markdown(&[]), "");
    }

    #[test]
    fn settings_get_a_column() {
        let mut a = trial(0, 6.0, None);
        a.setting = Some(2);
        let s = markdown(&[a]);
        assert!(
            s.contains("| setting | seed | core-minutes |\n|---|---|---|\n| 2 | 0 | 0.10 |\n"),
            "{s}"
        );
    }
}
