//! `live.json` ([`curvegan::run::store::live_json`]): the decimated loss history, the thinned
//! evaluations, and the snapshot a real run writes, read back.

use curvegan::data::target::TargetConfig;
use curvegan::gan::step::StepStats;
use curvegan::run::store::live_json::{
    Evaluations, Figure, History, Snapshot, MAX_HISTORY, POINTS, REAL_CURVES, SHOWN,
};
use curvegan::run::store::run_json::Status;
use curvegan::{Observer, TrainConfig};
use tempfile::TempDir;

use crate::common::{out, small};

/// Step `i`'s numbers: distinct per step, exact in f32.
fn stats(i: usize) -> StepStats {
    StepStats {
        d_loss: i as f32,
        g_loss: 2.0 * i as f32,
        d_real: (i % 7) as f32,
        d_fake: 1.0,
        d_fake_g: 0.0,
    }
}

#[test]
fn history_keeps_at_most_max_points_bucket_means() {
    for n in [1, 999, 1000, 1001, 2000, 2001, 10_007] {
        let history = History::of((0..n).map(stats));
        let h = &history;
        assert!(
            h.points.len() <= MAX_HISTORY,
            "{n} steps: {}",
            h.points.len()
        );
        assert!(h.stride.is_power_of_two());
        // Full buckets of `stride` steps, then the partial one.
        let in_last = match h.partial {
            0 => h.stride,
            partial => partial,
        };
        assert_eq!((h.points.len() - 1) * h.stride + in_last, n, "{n} steps");
        for (k, p) in h.points.iter().enumerate() {
            let first = k * h.stride;
            let last = (first + h.stride).min(n);
            assert_eq!(p.step, first);
            let mean = |f: fn(&StepStats) -> f32| {
                (first..last).map(|i| f(&stats(i)) as f64).sum::<f64>() / (last - first) as f64
            };
            let close =
                |got: f32, want: f64| (got as f64 - want).abs() <= 1e-6 * want.abs().max(1.0);
            assert!(
                close(p.d_loss, mean(|s| s.d_loss)),
                "{n} steps, bucket {k}: {p:?}"
            );
            assert!(
                close(p.g_loss, mean(|s| s.g_loss)),
                "{n} steps, bucket {k}: {p:?}"
            );
            assert!(
                close(p.d_real, mean(|s| s.d_real)),
                "{n} steps, bucket {k}: {p:?}"
            );
        }
    }
}

#[test]
fn evaluations_are_thinned_evenly_keeping_the_last() {
    let rows: Vec<(usize, Vec<f64>)> = (0..2500).map(|i| (i * 10, vec![i as f64])).collect();
    let e = Evaluations::of(&["m"], rows.iter().map(|(s, v)| (*s, &v[..])));
    assert!(
        e.steps.len() <= MAX_HISTORY && e.steps.len() >= MAX_HISTORY / 2,
        "{}",
        e.steps.len()
    );
    assert_eq!(e.steps.last(), Some(&24_990));
    assert_eq!(e.latest(), vec![("m", 2499.0)]);
    let gaps: Vec<usize> = e.steps.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|g| *g == gaps[0]), "{gaps:?}");
    let none = Evaluations::of(&["m"], std::iter::empty());
    assert!(none.steps.is_empty() && none.latest().is_empty());
}

/// Records the snapshots a run hands its observer.
#[derive(Default)]
struct Snapshots(Vec<Snapshot>);

impl Observer for Snapshots {
    fn on_snapshot(&mut self, s: &Snapshot) {
        self.0.push(s.clone());
    }
}

#[test]
fn a_run_writes_its_snapshot_at_figure_and_evaluation_steps_and_reads_it_back() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let config = TrainConfig {
        plot_every: 4,
        eval_every: 3,
        ..small(11)
    };
    let mut seen = Snapshots::default();
    curvegan::train(&config, &out(&dir, false), &mut seen).unwrap();
    let steps: Vec<usize> = seen.0.iter().map(|s| s.step).collect();
    assert_eq!(steps, [0, 3, 4, 6, 8, 9, 10]);
    let last = Snapshot::load(&dir).unwrap();
    assert_eq!(
        &last,
        seen.0.last().unwrap(),
        "live.json is the last snapshot"
    );
    assert_eq!(
        (last.step, last.steps, last.status),
        (10, 11, Status::Finished)
    );
    assert_eq!(seen.0[0].status, Status::Running);
    assert_eq!(last.history.points.len(), 11);
    assert_eq!(last.evaluations.names, ["mse_to_target"]);
    assert_eq!(last.evaluations.steps, [0, 3, 6, 9, 10]);
    assert_eq!(last.references.len(), 2);
    assert_eq!(last.d_reference, Some(0.5));
    match &last.figure {
        Figure::Curves {
            x,
            real,
            generated,
            y_range,
            ..
        } => {
            assert_eq!((x.len(), real.len(), generated.len()), (15, 15, SHOWN * 15));
            assert_eq!(*y_range, Some((0.0, 3.0)));
        }
        other => panic!("a curve target gave {other:?}"),
    }
    let png = last.save_figure(&dir).unwrap();
    assert!(png.ends_with("live_step_00010.png"));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
}

#[test]
fn snapshots_of_families_and_2d_sets_hold_a_band_and_points() {
    let tmp = TempDir::new().unwrap();
    let family = TargetConfig::Family {
        points: 15,
        x_range: [-1.0, 1.0],
    };
    for (target, name) in [(family, "family"), (TargetConfig::Ring8 {}, "ring8")] {
        let dir = tmp.path().join(name);
        let config = TrainConfig { target, ..small(2) };
        curvegan::train(&config, &out(&dir, false), &mut ()).unwrap();
        let s = Snapshot::load(&dir).unwrap();
        match (&s.figure, name) {
            (
                Figure::Curves {
                    real, generated, ..
                },
                "family",
            ) => {
                assert_eq!(
                    (real.len(), generated.len()),
                    (REAL_CURVES * 15, SHOWN * 15)
                )
            }
            (
                Figure::Points {
                    real,
                    generated,
                    centres,
                },
                "ring8",
            ) => {
                assert_eq!(
                    (real.len(), generated.len(), centres.len()),
                    (POINTS * 2, POINTS * 2, 16)
                )
            }
            (f, _) => panic!("{name} gave {f:?}"),
        }
    }
}

#[test]
fn a_snapshot_of_another_format_is_refused_naming_the_file() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    curvegan::train(&small(2), &out(&dir, false), &mut ()).unwrap();
    let path = dir.join("live.json");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("curvegan-live-1", "curvegan-live-9")).unwrap();
    let e = Snapshot::load(&dir).unwrap_err().to_string();
    assert!(
        e.contains("live.json") && e.contains("curvegan-live-9"),
        "{e}"
    );
    std::fs::write(&path, "{").unwrap();
    assert!(Snapshot::load(&dir).unwrap_err().is_bad_input());
}

#[test]
fn infinite_and_nan_metrics_survive_the_json_round_trip() {
    let values = [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 0.25];
    let e = Evaluations::of(&["a", "b", "c", "d"], [(7, &values[..])]);
    let json = serde_json::to_string(&e).unwrap();
    assert!(json.contains(r#"["inf","-inf","NaN",0.25]"#), "{json}");
    let back: Evaluations = serde_json::from_str(&json).unwrap();
    let got = &back.values[0];
    assert_eq!(
        (got[0], got[1], got[3]),
        (f64::INFINITY, f64::NEG_INFINITY, 0.25)
    );
    assert!(got[2].is_nan());
}
