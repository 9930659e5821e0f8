//! Every kind of real data: building, drawing, conditions, errors, and the config round trip.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use curvegan::data::target::{Param, ParamSpec, Target, TargetConfig};
use curvegan::eval::metrics::mse_to;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The kind named `target`, or else the formula `target`, with `params`.
fn config(target: &str, params: &[&str]) -> curvegan::Result<TargetConfig> {
    let params = (params.iter().map(|p| p.parse())).collect::<curvegan::Result<Vec<Param>>>()?;
    match TargetConfig::named(target) {
        Some(kind) => kind.with_params(params),
        None => Ok(TargetConfig::formula(target, params)),
    }
}

fn build(target: &str, params: &[&str]) -> Target {
    config(target, params).unwrap().build().unwrap()
}

fn build_err(target: &str, params: &[&str]) -> String {
    match config(target, params).and_then(|c| c.build()) {
        Ok(_) => panic!("{target} {params:?} built"),
        Err(e) => e.to_string(),
    }
}

/// Draws `batch` samples and their conditions with a fixed seed.
fn draw(target: &Target, batch: usize, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = vec![0.0; batch * target.dim()];
    let mut cond = vec![0.0; batch * target.cond_dim()];
    target.draw(&mut rng, &mut out, Some(&mut cond)).unwrap();
    (out, cond)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn quadratic_is_the_fixed_tutorial_curve() {
    let t = build("quadratic", &[]);
    assert_eq!(t.dim(), 15);
    assert_eq!(t.cond_dim(), 0);
    assert!(t.cond_names().is_empty());
    assert!(t.is_curve() && t.modes().is_none());
    let curve = t.fixed_curve().unwrap().to_vec();
    for (&x, &y) in t.x().iter().zip(&curve) {
        assert!(close(y as f64, 2.0 * (x as f64).powi(2) + 1.0, 1e-6));
    }
    let (out, _) = draw(&t, 3, 0);
    assert_eq!(out, [curve.clone(), curve.clone(), curve.clone()].concat());
    assert_eq!(t.curve_for(&[]), Some(curve.clone()));
    assert_eq!(mse_to(&out, t.dim(), &curve).unwrap(), 0.0);
    // The default is the kind named quadratic; every named kind has its name.
    assert_eq!(
        TargetConfig::named("quadratic").unwrap(),
        TargetConfig::default()
    );
    for name in curvegan::data::target::NAMED_KINDS {
        assert_eq!(TargetConfig::named(name).unwrap().name(), name);
    }
    assert!(TargetConfig::named("expr").is_none() && TargetConfig::named("data").is_none());
}

#[test]
fn family_draws_a_in_1_2_and_rows_follow_it() {
    let t = build("family", &[]);
    assert_eq!((t.cond_dim(), t.cond_names()), (1, vec!["a".to_string()]));
    assert!(t.fixed_curve().is_none());
    let batch = 2000;
    let (out, cond) = draw(&t, batch, 7);
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for (row, &a) in out.chunks_exact(t.dim()).zip(&cond) {
        assert!((1.0..2.0).contains(&a), "a = {a}");
        lo = lo.min(a);
        hi = hi.max(a);
        for (&x, &y) in t.x().iter().zip(row) {
            let (x, a) = (x as f64, a as f64);
            assert!(
                close(y as f64, a * x * x + (a - 1.0), 1e-6),
                "{y} at x={x}, a={a}"
            );
        }
        assert_eq!(t.curve_for(&[a]).unwrap(), row);
    }
    // The draws cover the interval.
    assert!(lo < 1.01 && hi > 1.99, "a in [{lo}, {hi}]");
    // Without a condition buffer the same draws happen.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut again = vec![0.0; batch * t.dim()];
    t.draw(&mut rng, &mut again, None).unwrap();
    assert_eq!(again, out);
}

#[test]
fn expression_matches_a_hand_computation() {
    let t = build(
        "a*sin(b*x) + c",
        &["a=uniform(1,2)", "b=normal(3,0.1)", "c=0.5"],
    );
    assert_eq!(t.cond_names(), vec!["a".to_string(), "b".to_string()]);
    assert!(t.fixed_curve().is_none());
    let (out, cond) = draw(&t, 50, 3);
    for (row, ab) in out.chunks_exact(t.dim()).zip(cond.chunks_exact(2)) {
        let (a, b) = (ab[0] as f64, ab[1] as f64);
        assert!((1.0..2.0).contains(&a));
        assert!((b - 3.0).abs() < 0.6, "b = {b}");
        for (&x, &y) in t.x().iter().zip(row) {
            let expected = a * (b * x as f64).sin() + 0.5;
            assert!(close(y as f64, expected, 1e-6), "{y} vs {expected}");
        }
        assert_eq!(t.curve_for(ab).unwrap(), row);
    }
    assert!(t.curve_for(&[1.0]).is_none(), "wrong condition length");
}

#[test]
fn expression_with_only_constants_is_a_fixed_curve() {
    let t = build("k*x^2 + 1", &["k=2"]);
    assert_eq!(t.cond_dim(), 0);
    let quadratic = build("quadratic", &[]);
    assert_eq!(t.fixed_curve(), quadratic.fixed_curve());
    assert_eq!(t.curve_for(&[]).as_deref(), quadratic.fixed_curve());
}

/// `family` on `points` over `x_range`.
fn family(points: usize, x_range: [f64; 2]) -> TargetConfig {
    let family = TargetConfig::named("family").unwrap();
    family
        .with_points(points)
        .unwrap()
        .with_x_range(x_range)
        .unwrap()
}

#[test]
fn points_and_x_range_shape_the_grid() {
    let c = family(5, [0.0, 2.0]);
    let t = c.build().unwrap();
    assert_eq!(t.x(), &[0.0, 0.5, 1.0, 1.5, 2.0]);
    // The command line's `--x-range LO,HI` is read by the command line (its unit tests); the
    // rule it checks is the library's.
    assert!(curvegan::data::target::check_x_range([-2.0, 3.0]).is_ok());
    for bad in [
        [2.0, 1.0],
        [0.0, f64::INFINITY],
        [1.0, 1.0],
        [f64::NAN, 1.0],
    ] {
        let err = curvegan::data::target::check_x_range(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("target.x_range"), "{err}");
        let err = family(5, bad).build().unwrap_err().to_string();
        assert!(err.contains("target.x_range"), "{err}");
    }
    let err = TargetConfig::formula("x", vec![])
        .with_points(1)
        .unwrap()
        .build()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("target.points") && err.contains("got 1"),
        "{err}"
    );
}

#[test]
fn syntax_error_names_the_position() {
    let err = build_err("a*sin(b*x", &["a=1", "b=uniform(1,2)"]);
    assert!(err.contains("invalid target:"), "{err}");
    assert!(err.contains("position 10"), "{err}");
    assert!(err.contains("expected ')'"), "{err}");
    let err = build_err("2*x +* 3", &[]);
    assert!(err.contains("position 6"), "{err}");
    let err = build_err("2x", &[]);
    assert!(err.contains("position 2") && err.contains("2*x"), "{err}");
}

#[test]
fn unknown_names_are_named() {
    let err = build_err("a*sin(c*x)", &["a=uniform(1,2)"]);
    assert!(err.contains("unknown name 'c'"), "{err}");
    assert!(err.contains("position 7"), "{err}");
    let err = build_err("a*foo(x)", &["a=1"]);
    assert!(err.contains("unknown function 'foo'"), "{err}");
    // A formula of one unknown name (the command line refuses it earlier, as a typo of a
    // kind: its unit tests).
    let err = build_err("quadratc", &[]);
    assert!(err.contains("unknown name 'quadratc'"), "{err}");
    // A declared parameter the formula does not use is an error too.
    let err = build_err("a*x", &["a=1", "b=uniform(0,1)"]);
    assert!(err.contains("'b'") && err.contains("not used"), "{err}");
}

#[test]
fn nan_or_inf_is_reported_with_x_and_the_parameters() {
    // sqrt of a negative number for x < 0.
    let err = build_err("sqrt(x)", &[]);
    assert!(err.contains("NaN at x = -1"), "{err}");
    // ln(a) is -inf at a = 0, the lower bound of its uniform.
    let err = build_err("ln(a) * x", &["a=uniform(0,1)"]);
    assert!(err.contains("a = 0"), "{err}");
    assert!(err.contains("inf"), "{err}");
    // A normal parameter is checked at mean ± 5 sd.
    let err = build_err("sqrt(b) + x", &["b=normal(3,1)"]);
    assert!(err.contains("b = -2"), "{err}");
}

#[test]
fn param_parse_errors_name_the_option_and_text() {
    for (text, needle) in [
        ("a=uniform(2,1)", "LO < HI"),
        ("a=uniform(1,1)", "LO < HI"),
        ("a=normal(0,0)", "SD > 0"),
        ("a=normal(0,-1)", "SD > 0"),
        ("a=uniform(1,inf)", "finite"),
        ("a=normal(NaN,1)", "finite"),
        ("a=1e39", "f32"),
        ("a=uniform(1)", "uniform(LO,HI)"),
        ("a=gamma(1,2)", "gamma(1,2)"),
        ("a=uniform(one,2)", "'one'"),
        ("a", "NAME="),
        ("x=1", "'x' is the curve's variable"),
        ("sin=1", "built-in function"),
        ("pi=1", "built-in constant"),
        ("2a=1", "not a name"),
    ] {
        let err = config("a*x", &[text]).unwrap_err().to_string();
        assert!(err.contains("target.params"), "{text}: {err}");
        assert!(err.contains(needle), "{text}: {err}");
    }
    let err = build_err("a*x", &["a=1", "a=2"]);
    assert!(err.contains("declared twice"), "{err}");
    let err = config("family", &["a=1"]).unwrap_err().to_string();
    assert!(
        err.contains("target.params") && err.contains("family"),
        "{err}"
    );
}

fn write_csv(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
    f
}

/// The data file `path` with every row for training, unscaled: the rows as they are drawn.
fn data_config(path: &Path) -> TargetConfig {
    match TargetConfig::data(path.to_path_buf()) {
        TargetConfig::Data { path, .. } => TargetConfig::Data {
            path,
            condition_columns: Vec::new(),
            resample: None,
            holdout: 0.0,
            scale: curvegan::data::scale::Scale::None,
        },
        other => panic!("{other:?}"),
    }
}

#[test]
fn data_file_rows_are_drawn_with_replacement() {
    let f = write_csv("y0,y1,y2\n1,2,3\n\n4, 5, 6\n7,8,9\n");
    let t = data_config(f.path()).build().unwrap();
    assert_eq!(t.dim(), 3);
    assert_eq!(t.x(), &[0.0, 1.0, 2.0]);
    assert!(t.is_curve() && t.fixed_curve().is_none() && t.cond_dim() == 0);
    assert!(t.curve_for(&[]).is_none());
    let (out, _) = draw(&t, 300, 1);
    let rows = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]];
    let mut seen = [0usize; 3];
    for row in out.chunks_exact(3) {
        let i = rows
            .iter()
            .position(|r| r == row)
            .expect("a row of the file");
        seen[i] += 1;
    }
    assert!(seen.iter().all(|&n| n > 60), "{seen:?}");
    // Without a header too.
    let f = write_csv("0.5\n-1.5\n");
    let t = data_config(f.path()).build().unwrap();
    assert_eq!(t.dim(), 1);
}

#[test]
fn data_file_errors_name_the_line() {
    for (text, needles) in [
        (
            "1,2,3\n4,5\n",
            &["line 2", "ragged", "2 values", "line 1", "has 3"][..],
        ),
        (
            "a,b\n1,2\n3,x\n",
            &["line 3, column 2", "'x' is not a number"],
        ),
        ("1,2\n3,NaN\n", &["line 2, column 2", "NaN", "finite"]),
        ("1,2\n\n3,inf\n", &["line 3, column 2", "inf"]),
        ("1,2\n-1e300,0\n", &["line 2, column 1", "f32"]),
        ("", &["empty file"]),
        ("\n  \n", &["empty file"]),
        ("t0,t1\n", &["only the header on line 1"]),
        ("a,b,c\n1,2\n", &["line 2", "header on line 1 has 3"]),
    ] {
        let f = write_csv(text);
        let err = data_config(f.path()).build().unwrap_err();
        let msg = err.to_string();
        assert!(
            matches!(&err, curvegan::Error::BadFile { path, .. } if path == f.path()),
            "{text:?}: {err:?}"
        );
        for needle in needles {
            assert!(msg.contains(needle), "{text:?}: {msg} lacks {needle}");
        }
    }
    let missing = PathBuf::from("/nonexistent/curves.csv");
    let err = data_config(&missing).build().unwrap_err().to_string();
    assert!(err.contains("/nonexistent/curves.csv"), "{err}");
}

#[test]
fn data_excludes_target_points_and_params() {
    // A data file and a named target at once is the command line's to refuse (its unit
    // tests): a config has one kind.
    let data = || TargetConfig::data(PathBuf::from("x.csv"));
    let err = data()
        .with_params(vec!["a=1".parse().unwrap()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("target.params"), "{err}");
    let err = data().with_points(10).unwrap_err().to_string();
    assert!(err.contains("target.points"), "{err}");
    // No parameter is no change, whatever the kind.
    assert_eq!(data().with_params(Vec::new()).unwrap(), data());
    let ring8 = TargetConfig::named("ring8").unwrap();
    let err = ring8.with_x_range([0.0, 1.0]).unwrap_err().to_string();
    assert!(
        err.contains("target.x_range") && err.contains("ring8"),
        "{err}"
    );
}

/// Every sample lies within 5σ of a mode, and every mode is drawn.
fn check_modes(name: &str, k: usize, sigma: f32) {
    let t = build(name, &[]);
    assert_eq!((t.dim(), t.x()), (2, &[0.0f32, 1.0][..]));
    assert!(!t.is_curve() && t.cond_dim() == 0 && t.fixed_curve().is_none());
    let (centres, s) = t.modes().unwrap();
    assert_eq!((centres.len(), s), (2 * k, sigma));
    let (out, _) = draw(&t, 10_000, 11);
    let mut hits = vec![0usize; k];
    for p in out.chunks_exact(2) {
        let (m, d2) = centres
            .chunks_exact(2)
            .enumerate()
            .map(|(m, c)| (m, (p[0] - c[0]).powi(2) + (p[1] - c[1]).powi(2)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(
            d2.sqrt() < 5.0 * sigma,
            "{p:?} is {} from mode {m}",
            d2.sqrt()
        );
        hits[m] += 1;
    }
    assert!(hits.iter().all(|&n| n > 0), "{name}: {hits:?}");
}

#[test]
fn ring8_samples_lie_near_its_modes() {
    check_modes("ring8", 8, 0.01);
    let t = build("ring8", &[]);
    for c in t.modes().unwrap().0.chunks_exact(2) {
        assert!(close(
            ((c[0] * c[0] + c[1] * c[1]) as f64).sqrt(),
            1.0,
            1e-6
        ));
    }
}

#[test]
fn grid25_samples_lie_near_its_modes() {
    check_modes("grid25", 25, 0.05);
    let t = build("grid25", &[]);
    for c in t.modes().unwrap().0 {
        assert!([-4.0, -2.0, 0.0, 2.0, 4.0].contains(c));
    }
}

#[test]
fn draws_are_deterministic_per_seed() {
    let f = write_csv("1,2\n3,4\n5,6\n");
    let configs = [
        config("family", &[]).unwrap(),
        config("a*cos(b*x)", &["a=uniform(-1,1)", "b=normal(2,0.5)"]).unwrap(),
        data_config(f.path()),
        config("ring8", &[]).unwrap(),
        config("grid25", &[]).unwrap(),
    ];
    for c in configs {
        let t = c.build().unwrap();
        assert_eq!(draw(&t, 64, 5), draw(&t, 64, 5), "{c:?}");
        assert_ne!(draw(&t, 64, 5).0, draw(&t, 64, 6).0, "{c:?}");
        // Building again gives the same target.
        assert_eq!(c.build().unwrap(), t);
    }
}

#[test]
fn draw_checks_buffer_sizes() {
    let t = build("family", &[]);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut out = vec![0.0; 2 * t.dim() + 1];
    assert!(t.draw(&mut rng, &mut out, None).is_err());
    let mut out = vec![0.0; 2 * t.dim()];
    let mut cond = vec![0.0; 3];
    let err = t.draw(&mut rng, &mut out, Some(&mut cond)).unwrap_err();
    assert!(err.to_string().contains("condition"), "{err}");
}

#[test]
fn nan_during_sampling_is_an_error() {
    // NaN only for a in (0.30001, 0.30003): the build check (centre, extremes, 4096 draws)
    // misses that window, 200k draws do not.
    let t = build("sqrt(abs(a - 0.30002) - 0.00001) * x", &["a=uniform(0,1)"]);
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut out = vec![0.0; 200_000 * t.dim()];
    let err = t.draw(&mut rng, &mut out, None).unwrap_err().to_string();
    assert!(err.contains("is NaN at x = -1 with a = 0.30"), "{err}");
    assert!(err.contains("uniform(0,1)"), "{err}");
    // A window of 0.4 % of the draws, which 64 draws checked used to miss, the build finds
    // now, naming the draw.
    let err = build_err("sqrt(abs(a - 0.3) - 0.002) * x", &["a=uniform(0,1)"]);
    assert!(
        err.contains("with a = 0.29") || err.contains("with a = 0.30"),
        "{err}"
    );
    assert!(err.contains("checked before training"), "{err}");
    // A value beyond f32's range is caught the same way.
    let err = build_err("exp(a) * x", &["a=uniform(80,100)"]);
    assert!(err.contains("beyond f32") && err.contains("a = "), "{err}");
}

#[test]
fn every_kind_round_trips_through_toml() {
    let configs = [
        TargetConfig::default(),
        family(30, [-2.0, 0.5]),
        config(
            "a*sin(b*x) + c",
            &["a=uniform(1,2)", "b=normal(3,0.1)", "c=-0.25"],
        )
        .unwrap(),
        config("sin(3*x)", &[]).unwrap(),
        data_config(Path::new("data/curves.csv")),
        config("ring8", &[]).unwrap(),
        config("grid25", &[]).unwrap(),
    ];
    for c in configs {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Wrap {
            target: TargetConfig,
        }
        let text = toml::to_string(&Wrap { target: c.clone() }).unwrap();
        let back: Wrap = toml::from_str(&text).unwrap();
        assert_eq!(back.target, c, "{text}");
        // The whole run config, too.
        let run = curvegan::config::TrainConfig {
            target: c.clone(),
            ..Default::default()
        };
        let text = run.to_toml().unwrap();
        let back =
            curvegan::config::TrainConfig::from_toml(&text, Path::new("config.toml")).unwrap();
        assert_eq!(back, run, "{text}");
    }
}

#[test]
fn toml_shape_is_flat_and_strict() {
    #[derive(serde::Deserialize, Debug)]
    struct Wrap {
        #[allow(dead_code)]
        target: TargetConfig,
    }
    let ok: Wrap = toml::from_str(
        "[target]\nkind = \"expr\"\nexpr = \"a*x\"\nparams = [\"a=uniform(1,2)\"]\npoints = 7\n",
    )
    .unwrap();
    assert_eq!(
        ok.target,
        TargetConfig::Expr {
            expr: "a*x".into(),
            params: vec!["a=uniform(1,2)".parse().unwrap()],
            points: 7,
            x_range: [-1.0, 1.0],
        }
    );
    for (text, needle) in [
        ("kind = \"ring8\"\npoints = 3", "unknown field `points`"),
        (
            "kind = \"grid25\"\nx_range = [0, 1]",
            "unknown field `x_range`",
        ),
        (
            "kind = \"data\"\npath = \"a.csv\"\npoints = 3",
            "unknown field `points`",
        ),
        ("kind = \"family\"\nexpr = \"x\"", "unknown field `expr`"),
        (
            "kind = \"expr\"\nexpr = \"x\"\npath = \"a.csv\"",
            "unknown field `path`",
        ),
        ("kind = \"expr\"", "missing field `expr`"),
        ("kind = \"data\"", "missing field `path`"),
        ("kind = \"quadratic\"\nfoo = 1", "unknown field `foo`"),
        ("kind = \"circle\"", "unknown variant `circle`"),
        ("points = 3", "missing field `kind`"),
        (
            "kind = \"expr\"\nexpr = \"a*x\"\nparams = [\"a=normal(0,0)\"]",
            "SD > 0",
        ),
    ] {
        let err = toml::from_str::<Wrap>(&format!("[target]\n{text}\n")).unwrap_err();
        assert!(err.to_string().contains(needle), "{text}: {err}");
    }
}

/// Runs' `config.toml` files written by the release binary before the target's settings
/// became a tagged enum (`tests/old_configs/*.toml`, from `curvegan train --steps 2 ...` with
/// the options in each comment), and the shipped `configs/*.toml`, still load, and give the
/// settings those runs were made with.
#[test]
fn old_run_configs_still_load() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/old_configs");
    let curve = |points, x_range| (points, x_range);
    let (p15, r11) = curve(15, [-1.0, 1.0]);
    for (file, expected) in [
        // --target family
        (
            "family.toml",
            TargetConfig::Family {
                points: p15,
                x_range: r11,
            },
        ),
        // (no --target)
        (
            "quadratic.toml",
            TargetConfig::Quadratic {
                points: p15,
                x_range: r11,
            },
        ),
        // --target "a*sin(b*x)" --param a=uniform(1,2) --param b=2
        (
            "expr.toml",
            TargetConfig::Expr {
                expr: "a*sin(b*x)".into(),
                params: vec!["a=uniform(1,2)".parse().unwrap(), "b=2".parse().unwrap()],
                points: p15,
                x_range: r11,
            },
        ),
        // --target "a*x^2 + c" --param a=normal(3,0.1) --param c=0.5 --points 9 --x-range=-2,3
        (
            "expr2.toml",
            TargetConfig::Expr {
                expr: "a*x^2 + c".into(),
                params: vec!["a=normal(3,0.1)".parse().unwrap(), "c=0.5".parse().unwrap()],
                points: 9,
                x_range: [-2.0, 3.0],
            },
        ),
        // --data /tmp/old-data.csv
        (
            "data.toml",
            // The settings of then: every row for training, unscaled.
            TargetConfig::Data {
                path: "/tmp/old-data.csv".into(),
                condition_columns: Vec::new(),
                resample: None,
                holdout: 0.0,
                scale: curvegan::data::scale::Scale::None,
            },
        ),
        // --target ring8
        ("ring8.toml", TargetConfig::Ring8 {}),
    ] {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let config = curvegan::config::TrainConfig::from_toml(&text, &path)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(config.target, expected, "{file}");
        // Written again, the [target] table has the same keys and values as before.
        let again = config.to_toml().unwrap();
        let table = |t: &str| -> toml::Value {
            toml::from_str::<toml::Table>(t).unwrap()["target"].clone()
        };
        assert_eq!(table(&again), table(&text), "{file}");
    }
    for (file, expected) in [
        ("ring8.toml", TargetConfig::Ring8 {}),
        ("grid25.toml", TargetConfig::Grid25 {}),
    ] {
        let path = root.join("../../configs").join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let config = curvegan::config::TrainConfig::from_toml(&text, &path)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(config.target, expected, "{file}");
    }
}

fn finite_f32() -> impl Strategy<Value = f64> {
    prop_oneof![
        (-1e6f64..1e6).prop_map(|v| v),
        any::<f32>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(|v| v as f64),
        (-100i32..100).prop_map(|v| v as f64),
    ]
}

fn param_spec() -> impl Strategy<Value = ParamSpec> {
    prop_oneof![
        (finite_f32(), finite_f32())
            .prop_filter("lo < hi", |(a, b)| a != b)
            .prop_map(|(a, b)| ParamSpec::Uniform {
                lo: a.min(b),
                hi: a.max(b)
            }),
        (finite_f32(), finite_f32())
            .prop_filter("sd > 0", |(_, sd)| *sd != 0.0)
            .prop_map(|(mean, sd)| ParamSpec::Normal { mean, sd: sd.abs() }),
        finite_f32().prop_map(ParamSpec::Const),
    ]
}

proptest! {
    #[test]
    fn param_spec_display_then_parse_round_trips(spec in param_spec()) {
        let text = spec.to_string();
        let back: ParamSpec = text.parse().unwrap();
        prop_assert_eq!(back, spec, "{}", text);
        let named: curvegan::data::target::Param = format!("w_1={text}").parse().unwrap();
        prop_assert_eq!(named.to_string(), format!("w_1={text}"));
    }

    #[test]
    fn param_spec_parser_never_panics(text in ".{0,30}") {
        let _ = text.parse::<ParamSpec>();
        let _ = text.parse::<curvegan::data::target::Param>();
    }

    #[test]
    fn formula_parser_never_panics(text in "[-+*/^(),.0-9a-z ]{0,24}") {
        let _ = curvegan::data::expr::Formula::parse(&text, &["a", "b"]);
    }
}
